// @latchkey/node's handle() passes a request that is not latchkey's on and keeps its wrapper,
// so that require() or authenticate() on the same request right after reuses it. An app may
// change the request in between (method-override middleware turning a GET into a POST):
// require() must then judge the request as it is now, or a cross-site POST riding on the
// session cookie would pass as the GET it was wrapped as, without its CSRF check.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { nodeLatchkey } from "@latchkey/node";
import { createSignedIn } from "../harness/signed-in.js";
import { createTestLatchkey, testInternals } from "../harness/test-latchkey.js";

describe("@latchkey/node: require() after handle() on the same request", () => {
  const { latchkey, clock, cleanup } = createTestLatchkey();
  const auth = nodeLatchkey(latchkey);
  let server: Server;
  let port: number;
  let token: string;
  before(async () => {
    ({ token } = await createSignedIn(testInternals(latchkey).stores, "reuse", clock.now()));
    server = createServer(async (req, res) => {
      if (await auth.handle(req, res)) return;
      // The app's method override, between latchkey's two calls.
      const override = req.headers["x-http-method-override"];
      if (typeof override === "string") req.method = override;
      const who = await auth.require(req, res, { kind: "user" });
      if (who === null) return;
      res.setHeader("Content-Type", "application/json; charset=utf-8");
      res.end(JSON.stringify({ user: who.user.username, method: req.method }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    cleanup();
  });

  async function get(headers: Record<string, string>): Promise<{ status: number; body: unknown }> {
    const res = await fetch(`http://127.0.0.1:${port}/api/orders/`, { headers });
    return { status: res.status, body: (await res.json()) as unknown };
  }

  it("authenticates a GET it passed on", async () => {
    const answer = await get({ cookie: `sessionid=${token}`, origin: "https://evil.example" });
    assert.deepEqual(answer, { status: 200, body: { user: "reuse", method: "GET" } });
  });

  it("checks CSRF on a GET the app turned into a POST after handle()", async () => {
    const answer = await get({
      cookie: `sessionid=${token}`,
      origin: "https://evil.example",
      "x-http-method-override": "POST",
    });
    assert.equal(answer.status, 403, JSON.stringify(answer.body));
  });
});
