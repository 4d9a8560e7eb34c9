import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ADAPTERS } from "../harness/adapters.js";
import type { AppUnderTest } from "../harness/app-under-test.js";
import { createTestClient, type TestClient } from "@latchkey/testkit";
import { assertCsrfRefused, assertError, bearerToken, createUser, newSession, setCookieFor } from "./support.js";

/** A non-browser client (no Origin, no fetch metadata, no cookies of its own). */
function api(app: AppUnderTest): TestClient {
  return createTestClient(app.baseUrl);
}

const auth = (token: string, scheme = "Bearer") => ({ authorization: `${scheme} ${token}` });

for (const [adapter, start] of Object.entries(ADAPTERS)) {
  describe(`bearer tokens for non-browser clients (${adapter} adapter)`, () => {
    let app: AppUnderTest;
    before(async () => {
      app = await start();
    });
    after(() => app.close());

    it("POST /api/token/login/ returns the token, its expiry and the user, and sets no cookie", async () => {
      const user = await createUser(app, "tok");
      const res = await api(app).post("/api/token/login/", {
        bare: true,
        json: { username: user.username, password: user.password, label: "phone" },
      });
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(Object.keys(res.json).sort(), ["expiry", "token", "user"]);
      assert.match(String(res.json.token), /^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
      assert.ok(Date.parse(String(res.json.expiry)) > Date.now(), "expiry is an ISO date in the future");
      assert.equal((res.json.user as Record<string, unknown>).username, user.username);
      assert.deepEqual(res.setCookies, []);
      const [record] = await app.latchkey.sessions.list({ userId: user.id });
      assert.equal(record?.kind, "bearer");
      assert.equal(record?.label, "phone");
    });

    it("accepts the token as Authorization: Bearer and as DRF's Authorization: Token, on whoami and app routes", async () => {
      const user = await createUser(app, "scheme");
      const token = await bearerToken(app, user);
      for (const scheme of ["Bearer", "Token", "bearer"]) {
        const who = await api(app).get("/api/whoami/", { headers: auth(token, scheme) });
        assert.equal(who.status, 200, `${scheme}: ${who.text}`);
        assert.equal(who.json.username, user.username);
        assert.deepEqual((await api(app).get("/api/hello/", { headers: auth(token, scheme) })).json, {
          hello: user.username,
        });
      }
      assert.equal((await api(app).get("/api/session/", { headers: auth(token) })).json.isAuthenticated, true);
    });

    it("needs no CSRF token for an unsafe request made with a bearer token", async () => {
      const user = await createUser(app, "nocsrf");
      const token = await bearerToken(app, user);
      const res = await api(app).post("/api/hello/", { bare: true, json: {}, headers: auth(token) });
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.json, { hello: user.username });
    });

    it("refuses a bad bearer token with 401 invalid_token even beside a valid session cookie (no fallback)", async () => {
      const { client } = await newSession(app, "nofallback");
      for (const path of ["/api/whoami/", "/api/hello/", "/api/session/"]) {
        const res = await client.get(path, { headers: auth("A".repeat(22) + "." + "B".repeat(43)) });
        assertError(res, 401, "invalid_token");
        assert.equal(setCookieFor(res, "sessionid"), undefined, "the session cookie is left alone");
      }
      const post = await client.post("/api/hello/", {
        json: {},
        headers: { ...auth("garbage"), "x-csrftoken": client.csrfToken ?? "" },
      });
      assertError(post, 401, "invalid_token");
      assert.equal((await client.get("/api/whoami/")).status, 200, "the cookie session is still fine on its own");
    });

    it("keeps the two kinds apart: a cookie token is refused as bearer, a bearer token is refused as cookie", async () => {
      const { client, user } = await newSession(app, "kinds");
      const cookieToken = client.cookie("sessionid") ?? "";
      assertError(await api(app).get("/api/whoami/", { headers: auth(cookieToken) }), 401, "invalid_token");
      const token = await bearerToken(app, user);
      const planted = api(app);
      planted.setCookie("sessionid", token);
      assertError(await planted.get("/api/whoami/"), 401, "not_authenticated");
      assert.equal((await planted.get("/api/session/")).json.isAuthenticated, false);
    });

    it("refuses a token login from a browser page on an untrusted origin", async () => {
      const user = await createUser(app, "tokcsrf");
      const res = await api(app).post("/api/token/login/", {
        bare: true,
        json: { username: user.username, password: user.password },
        headers: { origin: "http://evil.example", "sec-fetch-site": "cross-site" },
      });
      assertCsrfRefused(res, "csrf_cross_site");
    });

    it("POST /api/token/logout/ ends only the token it was called with", async () => {
      const user = await createUser(app, "toklogout");
      const first = await bearerToken(app, user);
      const second = await bearerToken(app, user);
      const res = await api(app).post("/api/token/logout/", { bare: true, headers: auth(first) });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json.detail, "Successfully logged out.");
      assertError(await api(app).get("/api/whoami/", { headers: auth(first) }), 401, "invalid_token");
      assert.equal((await api(app).get("/api/whoami/", { headers: auth(second) })).status, 200);
      assertError(
        await api(app).post("/api/token/logout/", { bare: true, headers: auth(first) }),
        401,
        "invalid_token",
      );
    });

    it("POST /api/token/logout/ needs a bearer token: a cookie session gets 401", async () => {
      const { client } = await newSession(app, "toklogoutcookie");
      assertError(
        await client.post("/api/token/logout/", { headers: { "x-csrftoken": client.csrfToken ?? "" } }),
        401,
        "not_authenticated",
      );
      assert.equal((await client.get("/api/whoami/")).status, 200);
    });

    it("POST /api/token/logoutall/ ends every token of the user but not their browser session, nor others' tokens", async () => {
      const { client, user } = await newSession(app, "tokall");
      const tokens = [await bearerToken(app, user), await bearerToken(app, user), await bearerToken(app, user)];
      const stranger = await createUser(app, "tokallother");
      const strangerToken = await bearerToken(app, stranger);
      const res = await api(app).post("/api/token/logoutall/", { bare: true, headers: auth(tokens[1] ?? "") });
      assert.equal(res.status, 200, res.text);
      assert.match(String(res.json.detail), /3 devices/);
      for (const token of tokens)
        assertError(await api(app).get("/api/whoami/", { headers: auth(token) }), 401, "invalid_token");
      assert.equal((await client.get("/api/whoami/")).status, 200, "the browser session survives");
      assert.equal((await api(app).get("/api/whoami/", { headers: auth(strangerToken) })).status, 200);
    });

    it("ends bearer tokens on POST /api/logout/ made with that token", async () => {
      const user = await createUser(app, "toklogout2");
      const token = await bearerToken(app, user);
      const res = await api(app).post("/api/logout/", { bare: true, headers: auth(token) });
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.setCookies, []);
      assertError(await api(app).get("/api/whoami/", { headers: auth(token) }), 401, "invalid_token");
    });
  });
}
