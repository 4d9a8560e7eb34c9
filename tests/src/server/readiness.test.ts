import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { requireProgram, startRedis, waitUntil } from "@latchkey/testkit";
import { createConformanceChecker } from "../harness/openapi-conformance.js";
import { startServe, tempDir } from "./latchkey-process.js";

const NEEDS = requireProgram("redis-server");

/** `GET /api/ready/`, checked against the OpenAPI document the same server serves. */
async function ready(url: string): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${url}/api/ready/`);
  const body = await res.text();
  const document = (await (await fetch(`${url}/api/openapi.json`)).json()) as Record<string, unknown>;
  const problems = createConformanceChecker(document).check({
    method: "GET",
    url: "/api/ready/",
    status: res.status,
    headers: Object.fromEntries(res.headers),
    body,
    requestHeaders: {},
  });
  assert.deepEqual(problems, []);
  return { status: res.status, json: JSON.parse(body) as unknown };
}

describe("latchkey serve's readiness route with Redis sessions", { skip: NEEDS }, () => {
  it("answers 503 naming the session store while Redis is frozen, and 200 again once it answers", {
    timeout: 60_000,
  }, async () => {
    const redis = await startRedis();
    const dir = tempDir("latchkey-ready-");
    const server = await startServe(["--port", "0"], {
      cwd: dir.path,
      env: { LATCHKEY_REDIS_URL: redis.url, LATCHKEY_SESSION_CACHE_ENABLED: "false" },
    });
    try {
      assert.deepEqual(await ready(server.url), {
        status: 200,
        json: { ready: true, stores: { users: "ok", sessions: "ok", throttle: "ok" } },
      });
      // SIGSTOP: the connection stays open but nothing answers, as in a hung or overloaded
      // store. The probe must give up on its own rather than hang the load balancer's check.
      redis.pause();
      try {
        const refused = await ready(server.url);
        assert.equal(refused.status, 503);
        assert.deepEqual(refused.json, {
          detail: "Service temporarily unavailable: the session store cannot be reached. Try again shortly.",
          code: "store_unavailable",
          ready: false,
          stores: { users: "ok", sessions: "unavailable", throttle: "unavailable" },
        });
      } finally {
        redis.resume();
      }
      await waitUntil("the node to be ready again", async () => (await ready(server.url)).status === 200, {
        timeoutMs: 20_000,
        intervalMs: 100,
      });
    } finally {
      assert.equal(await server.stop(), 0);
      await redis.dispose();
      dir.cleanup();
    }
  });
});
