import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createTestClient } from "@latchkey/testkit";
import { ADAPTERS } from "../harness/adapters.js";
import { assertNoLeak } from "./support.js";

// Bad input to the harness apps' own routes, which the fuzz suite found answered with a
// crash (node:http), an HTML page with a stack trace (Express) or a body without `detail`
// (Fastify's router): every answer under /api is JSON with `detail`, whoever produces it.
for (const [adapter, start] of Object.entries(ADAPTERS)) {
  describe(`the test app's own routes with bad input (${adapter} adapter)`, () => {
    it("answers invalid JSON to POST /api/public/ with a JSON 400 and keeps serving", async () => {
      const app = await start();
      try {
        const client = createTestClient(app.baseUrl);
        const res = await client.post("/api/public/", {
          body: "username=a&b",
          headers: { "Content-Type": "application/json" },
        });
        assert.equal(res.status, 400, res.text);
        assert.equal(typeof res.json.detail, "string");
        assertNoLeak(res);
        assert.equal((await client.get("/api/public/")).status, 200);
      } finally {
        await app.close();
      }
    });

    it("echoes a body nested 8,000 levels deep (16,000 bytes, under the apps' 16 KiB limit) without failing", async () => {
      const app = await start();
      try {
        const res = await createTestClient(app.baseUrl).post("/api/public/", {
          body: "[".repeat(8_000) + "]".repeat(8_000),
          headers: { "Content-Type": "application/json" },
        });
        assert.equal(res.status, 200, res.text);
        // JSON.stringify runs out of stack around 5,000 levels: the apps echo a note instead.
        assert.ok("body" in res.json, res.text.slice(0, 200));
      } finally {
        await app.close();
      }
    });

    it("answers a path with a broken percent-encoding as JSON with detail", async () => {
      const app = await start();
      try {
        const res = await createTestClient(app.baseUrl).get("/api/login/%");
        assert.ok(res.status >= 400 && res.status < 500, `${res.status}: ${res.text}`);
        assert.equal(typeof res.json.detail, "string", res.text);
        assertNoLeak(res);
      } finally {
        await app.close();
      }
    });
  });
}
