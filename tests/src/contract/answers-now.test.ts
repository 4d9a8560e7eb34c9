// handleNow() and authenticateRequestNow(): latchkey's answers without a promise when they are
// ready now, as the ready server and @latchkey/node use them on the hot path. They must answer
// exactly what handle() and authenticateRequest() resolve to, refusals included.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { afterEach, describe, it } from "node:test";
import { isPending, type Latchkey, type RequestAuthResult } from "@latchkey/core";
import { createSignedIn, testRequest as request } from "../harness/signed-in.js";
import { createTestLatchkey, testInternals } from "../harness/test-latchkey.js";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** A latchkey instance with one user and one session; resolves to the session token. */
async function setUp(): Promise<{ latchkey: Latchkey; token: string }> {
  const { latchkey, clock, cleanup } = createTestLatchkey();
  cleanups.push(cleanup);
  const { token } = await createSignedIn(testInternals(latchkey).stores, "now", clock.now());
  return { latchkey, token };
}

async function settled<T>(value: T | PromiseLike<T>): Promise<T> {
  return value;
}

describe("latchkey answers ready now", () => {
  it("handleNow() answers whoami exactly as handle() does", async () => {
    const { latchkey, token } = await setUp();
    const whoami = () => request("GET", "/api/whoami/", { cookie: `sessionid=${token}` });
    const handled = await latchkey.handle(whoami());
    const now = await settled(latchkey.handleNow(whoami()));
    assert.equal(handled?.status, 200);
    assert.deepEqual(now, handled);
  });

  it("handleNow() answers null at once for a path that is not latchkey's", () => {
    const { latchkey, cleanup } = createTestLatchkey();
    cleanups.push(cleanup);
    const answer = latchkey.handleNow(request("GET", "/api/profile/", {}));
    assert.equal(isPending(answer), false);
    assert.equal(answer, null);
  });

  it("handleNow() answers a wrong method with 405 and Allow, as handle() does", async () => {
    const { latchkey, token } = await setUp();
    const post = () => request("POST", "/api/whoami", { cookie: `sessionid=${token}` });
    const now = await settled(latchkey.handleNow(post()));
    assert.equal(now?.status, 405);
    assert.equal(now?.headers.Allow, "GET, HEAD, OPTIONS");
    assert.deepEqual(now, await latchkey.handle(post()));
  });

  it("authenticateRequestNow() refuses a cross-site POST riding on the session cookie (CSRF)", async () => {
    const { latchkey, token } = await setUp();
    const forged = () =>
      request("POST", "/api/orders/", { cookie: `sessionid=${token}`, origin: "https://evil.example" });
    const now: RequestAuthResult = await settled(latchkey.authenticateRequestNow(forged()));
    assert.equal(now.ok, false);
    if (now.ok) return;
    assert.equal(now.response.status, 403);
    assert.deepEqual(now, await latchkey.authenticateRequest(forged()));
  });

  it("authenticateRequestNow() turns a forged bearer token into a 401 answer, never a throw", async () => {
    const { latchkey } = await setUp();
    const forged = request("GET", "/api/orders/", { authorization: `Bearer ${randomBytes(48).toString("base64url")}` });
    const now = await settled(latchkey.authenticateRequestNow(forged));
    assert.equal(now.ok, false);
    if (!now.ok) assert.equal(now.response.status, 401);
  });

  it("authenticateRequestNow() finds the session's user for a safe request", async () => {
    const { latchkey, token } = await setUp();
    const now = await settled(
      latchkey.authenticateRequestNow(request("GET", "/api/orders/", { cookie: `sessionid=${token}` })),
    );
    assert.equal(now.ok, true);
    if (now.ok) assert.equal(now.auth?.user.username, "now");
  });
});
