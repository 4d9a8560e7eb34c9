import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { routeAliases } from "../harness/openapi-checked.js";
import { createConformanceChecker } from "../harness/openapi-conformance.js";
import { openApi31Problems } from "../harness/openapi-schema.js";
import { startReadyServer } from "../harness/ready-server.js";

describe("the ready server's OpenAPI document", () => {
  it("is valid OpenAPI 3.1 and documents /api/ready/ as the server answers it (GET and HEAD; 405 with Allow to other methods)", async () => {
    const { server, close } = await startReadyServer();
    try {
      const res = await fetch(`${server.url}/api/openapi.json`);
      assert.equal(res.status, 200);
      const document = (await res.json()) as Record<string, unknown>;
      assert.deepEqual(openApi31Problems(document), []);
      assert.ok(Object.keys(document.paths as object).includes("/api/ready/"), "the document lists /api/ready/");
      const checker = createConformanceChecker(document, routeAliases(server.latchkey.config));
      // POST and OPTIONS answered 404 before the fuzz suite checked the ready server against its document.
      const expected = [
        ["GET", "/api/ready/", 200],
        ["GET", "/api/ready", 200],
        ["HEAD", "/api/ready/", 200],
        ["POST", "/api/ready/", 405],
        ["OPTIONS", "/api/ready/", 204],
      ] as const;
      for (const [method, url, status] of expected) {
        const ready = await fetch(`${server.url}${url}`, { method });
        const body = await ready.text();
        assert.equal(ready.status, status, `${method} ${url}: ${body}`);
        if (status !== 200) assert.equal(ready.headers.get("allow"), "GET, HEAD, OPTIONS");
        const headers = Object.fromEntries(ready.headers);
        assert.deepEqual(checker.check({ method, url, status: ready.status, headers, body, requestHeaders: {} }), []);
      }
      // An OPTIONS with Access-Control-Request-Method but no Origin is no CORS preflight (the
      // fuzz suite found it answered 404): the route's own 204 with Allow.
      const notPreflight = await fetch(`${server.url}/api/ready/`, {
        method: "OPTIONS",
        headers: { "access-control-request-method": "POST" },
      });
      assert.equal(notPreflight.status, 204);
      assert.equal(notPreflight.headers.get("allow"), "GET, HEAD, OPTIONS");
    } finally {
      await close();
    }
  });
});
