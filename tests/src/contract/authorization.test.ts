import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ADAPTERS } from "../harness/adapters.js";
import type { AppUnderTest } from "../harness/app-under-test.js";
import { createTestClient } from "@latchkey/testkit";
import { assertError, assertJson, bearerToken, loggedInClient, newSession } from "./support.js";

for (const [adapter, start] of Object.entries(ADAPTERS)) {
  describe(`protecting the app's routes, deactivation and privilege changes (${adapter} adapter)`, () => {
    let app: AppUnderTest;
    before(async () => {
      app = await start();
    });
    after(() => app.close());

    it("answers 401 with isAuthenticated: false on every protected route for a stranger", async () => {
      const stranger = createTestClient(app.baseUrl);
      for (const path of ["/api/hello/", "/api/staff/", "/api/reports/"]) {
        const res = await stranger.get(path);
        assertError(res, 401, "not_authenticated");
        assertJson(res);
        assert.equal(res.headers.get("x-content-type-options"), "nosniff", path);
        assert.deepEqual(res.json, {
          detail: "Authentication credentials were not provided.",
          code: "not_authenticated",
          isAuthenticated: false,
        });
      }
      assert.deepEqual((await stranger.get("/api/public/")).json, { user: null });
    });

    it("puts the user on the request of a route for logged-in users", async () => {
      const { client, user } = await newSession(app, "plain");
      assert.deepEqual((await client.get("/api/hello/")).json, { hello: user.username });
      assert.deepEqual((await client.get("/api/public/")).json, { user: user.username });
    });

    it("passes an unsafe request to an unguarded route on with the user and its JSON body for the app's own parser", async () => {
      const { client, user } = await newSession(app, "bodyparser");
      const res = await client.post("/api/public/", {
        json: { text: "hi", n: [1, 2] },
        headers: { "x-csrftoken": client.csrfToken ?? "" },
      });
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.json, { user: user.username, body: { text: "hi", n: [1, 2] } });
      const stranger = await createTestClient(app.baseUrl).post("/api/public/", { json: { text: "anon" } });
      assert.deepEqual(stranger.json, { user: null, body: { text: "anon" } });
    });

    it("requireStaff: 403 for a plain user, 200 for staff", async () => {
      const { client } = await newSession(app, "notstaff");
      const refused = await client.get("/api/staff/");
      assertJson(refused);
      assert.deepEqual(refused.json, {
        detail: "You do not have permission to perform this action.",
        code: "permission_denied",
      });
      const staff = await newSession(app, "staff", { isStaff: true });
      const res = await staff.client.get("/api/staff/");
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.json, { staff: staff.user.username });
    });

    it("requirePermission: 403 without the permission (staff or not), 200 with it, 200 for a superuser", async () => {
      assertError(await (await newSession(app, "noperm")).client.get("/api/reports/"), 403, "permission_denied");
      assertError(
        await (await newSession(app, "staffnoperm", { isStaff: true })).client.get("/api/reports/"),
        403,
        "permission_denied",
      );
      assertError(
        await (await newSession(app, "otherperm", { permissions: ["reports.edit"] })).client.get("/api/reports/"),
        403,
        "permission_denied",
      );
      const granted = await newSession(app, "perm", { permissions: ["reports.view"] });
      assert.deepEqual((await granted.client.get("/api/reports/")).json, { reports: [] });
      const superuser = await newSession(app, "super", { isSuperuser: true });
      const res = await superuser.client.get("/api/reports/");
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.json, { reports: [] });
    });

    it("ends every session and token at once when a user is deactivated, and refuses their login", async () => {
      const { client, user } = await newSession(app, "deact");
      const token = await bearerToken(app, user);
      const other = await loggedInClient(app, user);
      await app.latchkey.accounts.setActive(user.id, false);
      assert.equal((await client.get("/api/whoami/")).status, 401);
      assert.equal((await other.get("/api/hello/")).status, 401);
      assertError(
        await createTestClient(app.baseUrl).get("/api/whoami/", { headers: { authorization: `Bearer ${token}` } }),
        401,
        "invalid_token",
      );
      const again = await createTestClient(app.baseUrl).login(user.username, user.password);
      assertError(again, 400, "invalid_credentials");
      assert.equal((await app.latchkey.sessions.list({ userId: user.id })).length, 0);

      await app.latchkey.accounts.setActive(user.id, true);
      assert.equal((await client.get("/api/whoami/")).status, 401, "reactivation does not revive old sessions");
      assert.equal((await createTestClient(app.baseUrl).login(user.username, user.password)).status, 200);
    });

    it("ends a user's sessions when their privileges are raised, so staff rights only come with a new login", async () => {
      const { client, user } = await newSession(app, "raise");
      assertError(await client.get("/api/staff/"), 403, "permission_denied");
      await app.latchkey.accounts.updateUser(user.id, { isStaff: true });
      assertError(await client.get("/api/staff/"), 401, "not_authenticated");
      const fresh = await loggedInClient(app, user);
      assert.equal((await fresh.get("/api/staff/")).status, 200);

      await app.latchkey.accounts.updateUser(user.id, { permissions: ["reports.view"] });
      assert.equal((await fresh.get("/api/reports/")).status, 401, "a new permission also ends the sessions");
    });

    it("keeps sessions through changes that raise nothing (names, email, fewer rights)", async () => {
      const { client, user } = await newSession(app, "benign", { isStaff: true });
      await app.latchkey.accounts.updateUser(user.id, { firstName: "New", email: "new@example.com" });
      const who = await client.get("/api/whoami/");
      assert.equal(who.status, 200);
      assert.equal(who.json.firstName, "New", "the user is read fresh on every request");
      await app.latchkey.accounts.updateUser(user.id, { isStaff: false });
      assertError(await client.get("/api/staff/"), 403, "permission_denied");
    });
  });
}
