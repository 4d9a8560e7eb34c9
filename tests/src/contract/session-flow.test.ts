import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ADAPTERS } from "../harness/adapters.js";
import type { AppUnderTest } from "../harness/app-under-test.js";
import { createTestClient } from "@latchkey/testkit";

for (const [adapter, start] of Object.entries(ADAPTERS)) {
  describe(`the SPA session flow (${adapter} adapter)`, () => {
    let app: AppUnderTest;
    before(async () => {
      app = await start();
      const created = await app.latchkey.accounts.createUser({
        username: "alice",
        password: "correct horse battery",
        email: "alice@example.com",
      });
      assert.ok(created.ok);
    });
    after(() => app.close());

    it("logs in with the CSRF flow, answers whoami, and logs out", async () => {
      const client = createTestClient(app.baseUrl);
      const session = await client.get("/api/session/");
      assert.equal(session.status, 200);
      assert.deepEqual(session.json, { isAuthenticated: false });
      assert.ok(client.cookie("csrftoken"), "the session route sets the CSRF cookie");

      const login = await client.login("alice", "correct horse battery");
      assert.equal(login.status, 200, login.text);
      assert.equal(login.json.detail, "Successfully logged in.");
      assert.ok(client.cookie("sessionid"));

      const whoami = await client.get("/api/whoami/");
      assert.equal(whoami.status, 200);
      assert.equal(whoami.json.username, "alice");

      const hello = await client.get("/api/hello/");
      assert.deepEqual(hello.json, { hello: "alice" });

      const logout = await client.post("/api/logout/", { headers: { "x-csrftoken": client.csrfToken ?? "" } });
      assert.equal(logout.status, 200, logout.text);
      assert.equal(client.cookie("sessionid"), undefined);
      const after = await client.get("/api/whoami/");
      assert.equal(after.status, 401);
      assert.deepEqual(after.json, {
        detail: "Authentication credentials were not provided.",
        code: "not_authenticated",
        isAuthenticated: false,
      });
    });
  });
}
