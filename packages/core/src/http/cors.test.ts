import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Logger } from "../ports/world.js";
import { configFor, fakeRequest } from "../test-fixtures.test.helper.js";
import { createCors } from "./cors.js";

function recordingLogger(): { logger: Logger; warnings: Record<string, unknown>[] } {
  const warnings: Record<string, unknown>[] = [];
  const ignore = () => {};
  return {
    warnings,
    logger: { debug: ignore, info: ignore, error: ignore, warn: (fields) => void warnings.push(fields) },
  };
}

function preflight(origin: string, path = "/api/login/") {
  return fakeRequest({ method: "OPTIONS", path, headers: { origin, "access-control-request-method": "POST" } });
}

describe("createCors()", () => {
  it("echoes a trusted origin with credentials and never a look-alike", () => {
    const cors = createCors(configFor({ trustedOrigins: ["https://app.example.com"] }), recordingLogger().logger);
    assert.equal(
      cors.preflight(preflight("https://app.example.com"))?.headers["Access-Control-Allow-Origin"],
      "https://app.example.com",
    );
    assert.equal(
      cors.preflight(preflight("https://app.example.com.evil.net"))?.headers["Access-Control-Allow-Origin"],
      undefined,
    );
    assert.equal(cors.preflight(preflight("null"))?.headers["Access-Control-Allow-Origin"], undefined);
  });

  it("leaves paths outside the base path alone", () => {
    const cors = createCors(configFor({ trustedOrigins: ["https://app.example.com"] }), recordingLogger().logger);
    assert.equal(cors.preflight(preflight("https://app.example.com", "/static/app.js")), null);
    assert.deepEqual(
      cors.headers(fakeRequest({ path: "/apiary", headers: { origin: "https://app.example.com" } })),
      {},
    );
  });

  it("logs a refused preflight origin once, so a missing trustedOrigins entry shows in the log without flooding it", () => {
    const { logger, warnings } = recordingLogger();
    const cors = createCors(configFor({ trustedOrigins: ["https://app.example.com"] }), logger);
    cors.preflight(preflight("http://localhost:5173"));
    cors.preflight(preflight("http://localhost:5173"));
    assert.deepEqual(warnings, [{ event: "cors_refused", origin: "http://localhost:5173", path: "/api/login/" }]);
    for (let i = 0; i < 500; i++) cors.preflight(preflight(`https://attacker${i}.example`));
    assert.ok(warnings.length <= 100, `at most 100 distinct origins are logged, got ${warnings.length}`);
  });

  it("puts on latchkey's own answers exactly the headers an app's answer gets, in the same order", () => {
    const cors = createCors(configFor({ trustedOrigins: ["https://app.example.com"] }), recordingLogger().logger);
    const requests = [
      fakeRequest({ path: "/api/whoami/", headers: { origin: "https://app.example.com" } }),
      fakeRequest({ path: "/api/whoami/", headers: { origin: "https://app.example.com.evil.net" } }),
      fakeRequest({ path: "/api/whoami/" }),
      fakeRequest({ path: "/apiary", headers: { origin: "https://app.example.com" } }),
    ];
    for (const req of requests) {
      const target: Record<string, string> = { "Cache-Control": "no-store" };
      cors.addHeaders(req, target);
      const expected = { "Cache-Control": "no-store", ...cors.headers(req) };
      assert.deepEqual(Object.entries(target), Object.entries(expected));
    }
    const trusted: Record<string, string> = {};
    cors.addHeaders(requests[0] ?? fakeRequest({}), trusted);
    assert.equal(trusted["Access-Control-Allow-Origin"], "https://app.example.com");
    assert.equal(trusted["Access-Control-Allow-Credentials"], "true");
  });
});
