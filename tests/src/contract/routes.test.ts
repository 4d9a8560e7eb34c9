import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ADAPTERS } from "../harness/adapters.js";
import type { AppUnderTest } from "../harness/app-under-test.js";
import { createTestClient } from "@latchkey/testkit";
import { assertError, assertJson, createUser, loggedInClient, maxAgeOf, newSession, setCookieFor } from "./support.js";

/** Every route of the default table, with the methods it answers. */
const GET_ROUTES = ["/api/csrf", "/api/session", "/api/whoami", "/api/openapi.json"];
const POST_ROUTES = [
  "/api/login",
  "/api/logout",
  "/api/password/change",
  "/api/token/login",
  "/api/token/logout",
  "/api/token/logoutall",
];

for (const [adapter, start] of Object.entries(ADAPTERS)) {
  describe(`the default routes of SPEC §2 (${adapter} adapter)`, () => {
    let app: AppUnderTest;
    before(async () => {
      app = await start();
    });
    after(() => app.close());

    it("GET /api/csrf/ answers the exact body, sets the csrftoken cookie and sends the token in X-CSRFToken", async () => {
      const client = createTestClient(app.baseUrl);
      const res = await client.get("/api/csrf/");
      assert.equal(res.status, 200);
      assertJson(res);
      assert.equal(res.text, '{"detail":"CSRF cookie set"}');
      const cookie = setCookieFor(res, "csrftoken");
      assert.ok(cookie, "csrftoken cookie set");
      assert.doesNotMatch(cookie, /HttpOnly/i, "the SPA must be able to read the CSRF cookie");
      assert.match(res.headers.get("x-csrftoken") ?? "", /^[A-Za-z0-9]{64}$/);
    });

    it("GET /api/session/ says false for a stranger, sets the CSRF cookie, and says true once logged in", async () => {
      const client = createTestClient(app.baseUrl);
      const anonymous = await client.get("/api/session/");
      assert.equal(anonymous.status, 200);
      assertJson(anonymous);
      assert.equal(anonymous.text, '{"isAuthenticated":false}');
      assert.ok(setCookieFor(anonymous, "csrftoken"), "the session route ensures the CSRF cookie");
      assert.match(anonymous.headers.get("x-csrftoken") ?? "", /^[A-Za-z0-9]{64}$/);

      const user = await createUser(app, "sess");
      assert.equal((await client.login(user.username, user.password)).status, 200);
      const authenticated = await client.get("/api/session/");
      assert.equal(authenticated.text, '{"isAuthenticated":true}');
    });

    it("POST /api/login/ answers 200 with the user, a new HttpOnly session cookie and a new CSRF token", async () => {
      const user = await createUser(app, "login", { firstName: "Ada", lastName: "Lovelace" });
      const client = createTestClient(app.baseUrl);
      const before = await client.fetchCsrf();
      const cookieBefore = client.cookie("csrftoken");
      const res = await client.post("/api/login/", {
        json: { username: user.username, password: user.password },
        headers: { "x-csrftoken": before },
      });
      assert.equal(res.status, 200, res.text);
      assertJson(res);
      assert.equal(res.json.detail, "Successfully logged in.");
      const body = res.json.user as Record<string, unknown>;
      assert.deepEqual(Object.keys(body).sort(), [
        "dateJoined",
        "email",
        "firstName",
        "groups",
        "id",
        "isActive",
        "isStaff",
        "isSuperuser",
        "lastLogin",
        "lastName",
        "permissions",
        "username",
      ]);
      assert.equal(body.username, user.username);
      assert.equal(String(body.id), user.id);
      assert.equal(body.email, `${user.username}@example.com`);
      assert.equal(body.firstName, "Ada");
      assert.equal(body.isStaff, false);
      assert.equal(typeof body.lastLogin, "string", "lastLogin is set by this login");
      assert.ok(!("password" in body) && !("passwordHash" in body));
      const session = setCookieFor(res, "sessionid");
      assert.ok(session);
      assert.match(session, /HttpOnly/i);
      assert.match(session, /SameSite=Lax/i);
      assert.match(session, /Path=\//);
      assert.notEqual(client.cookie("csrftoken"), cookieBefore, "login rotates the CSRF secret");
      assert.ok(res.headers.get("x-csrftoken"), "login hands out the new token");
    });

    it("POST /api/login/ without username or password answers 400 'Please provide username and password.'", async () => {
      const client = createTestClient(app.baseUrl);
      const token = await client.fetchCsrf();
      for (const json of [{}, { username: "someone" }, { password: "something" }, { username: "", password: "x" }]) {
        const res = await client.post("/api/login/", { json, headers: { "x-csrftoken": token } });
        assert.equal(res.status, 400, JSON.stringify(json));
        assert.deepEqual(res.json, { detail: "Please provide username and password.", code: "missing_credentials" });
      }
    });

    it("POST /api/login/ with a wrong password answers 400 'Invalid credentials.' and sets no session", async () => {
      const user = await createUser(app, "wrong");
      const client = createTestClient(app.baseUrl);
      const res = await client.login(user.username, "not the password at all");
      assert.equal(res.status, 400);
      assert.deepEqual(res.json, { detail: "Invalid credentials.", code: "invalid_credentials" });
      assert.equal(setCookieFor(res, "sessionid"), undefined);
    });

    it("POST /api/logout/ answers 200, clears the cookie, and 400 'You're not logged in.' the second time", async () => {
      const { client } = await newSession(app, "logout");
      const res = await client.post("/api/logout/", { headers: { "x-csrftoken": client.csrfToken ?? "" } });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.text, '{"detail":"Successfully logged out."}');
      const cleared = setCookieFor(res, "sessionid");
      assert.ok(cleared);
      assert.equal(maxAgeOf(cleared), 0);
      const again = await client.post("/api/logout/", { headers: { "x-csrftoken": client.csrfToken ?? "" } });
      assert.equal(again.status, 400);
      assert.deepEqual(again.json, { detail: "You're not logged in.", code: "not_logged_in" });
    });

    it("GET /api/whoami/ answers the user when logged in and the exact 401 body when not", async () => {
      const { client, user } = await newSession(app, "who");
      const res = await client.get("/api/whoami/");
      assert.equal(res.status, 200);
      assertJson(res);
      assert.equal(res.json.username, user.username);
      assert.equal(String(res.json.id), user.id);
      assert.equal(res.json.isStaff, false);

      const stranger = await createTestClient(app.baseUrl).get("/api/whoami/");
      assert.equal(stranger.status, 401);
      assertJson(stranger);
      assert.equal(
        stranger.text,
        '{"detail":"Authentication credentials were not provided.","code":"not_authenticated","isAuthenticated":false}',
      );
    });

    it("answers every route with and without the trailing slash", async () => {
      const { client } = await newSession(app, "slash");
      for (const path of GET_ROUTES) {
        const bare = await client.get(path);
        const slashed = path.endsWith(".json") ? bare : await client.get(`${path}/`);
        assert.notEqual(bare.status, 404, path);
        assert.equal(bare.status, slashed.status, path);
      }
      for (const path of POST_ROUTES) {
        for (const variant of [path, `${path}/`]) {
          const res = await createTestClient(app.baseUrl).post(variant, { bare: true, json: {} });
          assert.notEqual(res.status, 404, variant);
          assert.notEqual(res.status, 405, variant);
          assert.equal(typeof res.json.detail, "string", variant);
        }
      }
      const login = createTestClient(app.baseUrl);
      const token = await login.fetchCsrf();
      const user = await createUser(app, "noslash");
      const res = await login.post("/api/login", {
        json: { username: user.username, password: user.password },
        headers: { "x-csrftoken": token },
      });
      assert.equal(res.status, 200, res.text);
      assert.equal((await login.get("/api/whoami")).status, 200);
    });

    it("answers a wrong method with 405 and an Allow header naming the right ones", async () => {
      const client = createTestClient(app.baseUrl);
      for (const path of ["/api/login/", "/api/logout/", "/api/token/login/", "/api/password/change/"]) {
        const res = await client.request("GET", path);
        assertError(res, 405, "method_not_allowed");
        assert.equal(res.headers.get("allow"), "POST, OPTIONS", path);
      }
      for (const path of ["/api/csrf/", "/api/session/", "/api/whoami/"]) {
        for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
          const res = await client.request(method, path, { bare: true });
          assertError(res, 405, "method_not_allowed");
          assert.equal(res.json.detail, `Method "${method}" not allowed.`);
          assert.equal(res.headers.get("allow"), "GET, HEAD, OPTIONS", `${method} ${path}`);
        }
      }
      const openapi = await client.request("POST", "/api/openapi.json", { bare: true });
      assertError(openapi, 405, "method_not_allowed");
      assert.equal(openapi.headers.get("allow"), "GET, HEAD, OPTIONS");
    });

    it("answers HEAD on GET routes with the GET status and headers but no body", async () => {
      const { client } = await newSession(app, "head");
      for (const path of ["/api/csrf/", "/api/session/", "/api/whoami/", "/api/openapi.json"]) {
        const res = await client.request("HEAD", path);
        assert.equal(res.status, 200, path);
        assert.equal(res.text, "", path);
        assertJson(res);
      }
      const fresh = await createTestClient(app.baseUrl).request("HEAD", "/api/csrf/");
      assert.ok(setCookieFor(fresh, "csrftoken"), "HEAD /csrf/ sets the cookie too");
      const stranger = await createTestClient(app.baseUrl).request("HEAD", "/api/whoami/");
      assert.equal(stranger.status, 401);
      assert.equal(stranger.text, "");
    });

    it("logs in with Authorization: Basic instead of a body", async () => {
      const user = await createUser(app, "basic");
      const client = createTestClient(app.baseUrl);
      const token = await client.fetchCsrf();
      const basic = Buffer.from(`${user.username}:${user.password}`, "utf8").toString("base64");
      const res = await client.post("/api/login/", {
        headers: { authorization: `Basic ${basic}`, "x-csrftoken": token },
      });
      assert.equal(res.status, 200, res.text);
      assert.equal((res.json.user as Record<string, unknown>).username, user.username);
      assert.equal((await client.get("/api/whoami/")).status, 200);
    });

    it("never answers with WWW-Authenticate, on 400, 401 or 403", async () => {
      const { client } = await newSession(app, "www", { password: "another good passphrase" });
      const stranger = createTestClient(app.baseUrl);
      const responses = [
        await stranger.get("/api/whoami/"),
        await stranger.get("/api/hello/"),
        await stranger.get("/api/whoami/", { headers: { authorization: "Bearer not-a-token" } }),
        await stranger.get("/api/whoami/", { headers: { authorization: "Bearer" } }),
        await stranger.post("/api/token/logout/", { bare: true }),
        await stranger.post("/api/login/", { headers: { authorization: "Basic !!!" } }),
        await stranger.post("/api/token/login/", {
          bare: true,
          headers: { authorization: `Basic ${Buffer.from("nobody:wrong password").toString("base64")}` },
        }),
        await stranger.post("/api/login/", { json: { username: "nobody", password: "wrong" } }),
        await client.get("/api/staff/"),
        await client.post("/api/logout/"),
      ];
      for (const res of responses) {
        assert.ok([400, 401, 403].includes(res.status), `${res.status} ${res.text}`);
        assert.equal(res.headers.get("www-authenticate"), null, res.text);
      }
    });
  });
}
