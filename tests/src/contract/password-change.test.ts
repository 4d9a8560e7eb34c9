import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ADAPTERS } from "../harness/adapters.js";
import type { AppUnderTest } from "../harness/app-under-test.js";
import { createTestClient, type TestClient } from "@latchkey/testkit";
import {
  assertError,
  bearerToken,
  cookieThief,
  createUser,
  loggedInClient,
  newSession,
  setCookieFor,
} from "./support.js";

const NEW_PASSWORD = "a fresh and long passphrase 7";

function change(client: TestClient, body: Record<string, unknown>) {
  return client.post("/api/password/change/", { json: body, headers: { "x-csrftoken": client.csrfToken ?? "" } });
}

for (const [adapter, start] of Object.entries(ADAPTERS)) {
  describe(`POST /api/password/change/ (${adapter} adapter)`, () => {
    let app: AppUnderTest;
    before(async () => {
      app = await start({ throttle: { enabled: false } });
    });
    after(() => app.close());

    it("refuses a wrong old password with 400 password_incorrect and changes nothing", async () => {
      const { client, user } = await newSession(app, "pwwrong");
      const res = await change(client, { old_password: "not my password", new_password: NEW_PASSWORD });
      assertError(res, 400, "password_incorrect");
      assert.equal(res.json.detail, "Your old password was entered incorrectly.");
      assert.equal((await app.latchkey.accounts.authenticate(user.username, user.password)).ok, true);
      assert.equal((await client.get("/api/whoami/")).status, 200);
    });

    it("refuses a weak or common new password with 400 password_invalid naming the reason", async () => {
      const { client, user } = await newSession(app, "pwweak");
      for (const weak of ["short", "password", "12345678", "qwertyuiop", user.username]) {
        const res = await change(client, { old_password: user.password, new_password: weak });
        assertError(res, 400, "password_invalid");
      }
      assert.equal((await app.latchkey.accounts.authenticate(user.username, user.password)).ok, true);
    });

    it("refuses a request without both fields with a 400 that says which", async () => {
      const { client, user } = await newSession(app, "pwfields");
      for (const body of [
        {},
        { old_password: user.password },
        { new_password: NEW_PASSWORD },
        { old_password: "", new_password: NEW_PASSWORD },
      ]) {
        const res = await change(client, body);
        assertError(res, 400, "invalid_body");
        assert.match(String(res.json.detail), /old_password and new_password/);
      }
    });

    it("refuses a stranger with 401", async () => {
      const client = createTestClient(app.baseUrl);
      await client.fetchCsrf();
      assertError(await change(client, { old_password: "x", new_password: NEW_PASSWORD }), 401, "not_authenticated");
    });

    it("keeps the asking browser logged in under a new cookie and ends every other session and token", async () => {
      const { client, user } = await newSession(app, "pwok");
      const oldCookie = cookieThief(app, client);
      const otherBrowser = await loggedInClient(app, user);
      const token = await bearerToken(app, user);
      const bystander = await newSession(app, "pwbystander");

      const res = await change(client, { old_password: user.password, new_password: NEW_PASSWORD });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json.detail, "Password changed.");
      assert.equal(res.json.token, undefined, "no token in the body for a cookie session");
      const rotated = setCookieFor(res, "sessionid");
      assert.ok(rotated, "a new session cookie is set");
      assert.notEqual(client.cookie("sessionid"), oldCookie.cookie("sessionid"));

      assert.equal((await client.get("/api/whoami/")).status, 200, "the asking browser stays logged in");
      assert.equal((await oldCookie.get("/api/whoami/")).status, 401, "the old cookie value is dead");
      assert.equal((await otherBrowser.get("/api/whoami/")).status, 401, "the other browser is logged out");
      assertError(
        await createTestClient(app.baseUrl).get("/api/whoami/", { headers: { authorization: `Bearer ${token}` } }),
        401,
        "invalid_token",
      );
      assert.equal((await bystander.client.get("/api/whoami/")).status, 200, "other users are untouched");
      assert.equal((await app.latchkey.sessions.list({ userId: user.id })).length, 1);

      assert.equal(
        (await createTestClient(app.baseUrl).login(user.username, NEW_PASSWORD)).status,
        200,
        "the new password logs in",
      );
      assertError(await createTestClient(app.baseUrl).login(user.username, user.password), 400, "invalid_credentials");
    });

    it("accepts camelCase field names too (oldPassword/newPassword)", async () => {
      const { client, user } = await newSession(app, "pwcamel");
      const res = await change(client, { oldPassword: user.password, newPassword: NEW_PASSWORD });
      assert.equal(res.status, 200, res.text);
    });

    it("over a bearer token: needs no CSRF token, returns a new token, and the old one is dead", async () => {
      const user = await createUser(app, "pwbearer");
      const token = await bearerToken(app, user);
      const otherToken = await bearerToken(app, user);
      const browser = await loggedInClient(app, user);
      const client = createTestClient(app.baseUrl);
      const res = await client.post("/api/password/change/", {
        bare: true,
        json: { old_password: user.password, new_password: NEW_PASSWORD },
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json.detail, "Password changed.");
      const next = res.json.token;
      assert.equal(typeof next, "string");
      assert.notEqual(next, token);
      assert.equal(setCookieFor(res, "sessionid"), undefined, "no cookie for a bearer client");
      const who = await client.get("/api/whoami/", { headers: { authorization: `Bearer ${String(next)}` } });
      assert.equal(who.status, 200);
      assert.equal(who.json.username, user.username);
      assertError(
        await client.get("/api/whoami/", { headers: { authorization: `Bearer ${token}` } }),
        401,
        "invalid_token",
      );
      assertError(
        await client.get("/api/whoami/", { headers: { authorization: `Bearer ${otherToken}` } }),
        401,
        "invalid_token",
      );
      assert.equal((await browser.get("/api/whoami/")).status, 401, "browser sessions end too");
    });
  });
}
