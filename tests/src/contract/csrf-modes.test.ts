import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ADAPTERS } from "../harness/adapters.js";
import { appRunner } from "../harness/app-under-test.js";
import { createTestClient } from "@latchkey/testkit";
import { assertCsrfRefused, createUser, newSession, setCookieFor } from "./support.js";

const EVIL = { origin: "http://evil.example", "sec-fetch-site": "cross-site" };

for (const [adapter, start] of Object.entries(ADAPTERS)) {
  describe(`login CSRF and the CSRF settings (${adapter} adapter)`, () => {
    const withApp = appRunner(start);

    it("refuses a login without a CSRF token (403 csrf_token_missing) and starts no session", () =>
      withApp({}, async (app) => {
        const user = await createUser(app, "lcsrf");
        const client = createTestClient(app.baseUrl);
        await client.fetchCsrf();
        const res = await client.post("/api/login/", { json: { username: user.username, password: user.password } });
        assertCsrfRefused(res, "csrf_token_missing");
        assert.equal(setCookieFor(res, "sessionid"), undefined);
        assert.equal((await client.get("/api/whoami/")).status, 401);
      }));

    it("refuses a login without the CSRF cookie (403 csrf_cookie_missing)", () =>
      withApp({}, async (app) => {
        const user = await createUser(app, "lcookie");
        const client = createTestClient(app.baseUrl);
        const token = await client.fetchCsrf();
        client.deleteCookie("csrftoken");
        const res = await client.post("/api/login/", {
          json: { username: user.username, password: user.password },
          headers: { "x-csrftoken": token },
        });
        assertCsrfRefused(res, "csrf_cookie_missing");
      }));

    it("refuses a cross-site login (Origin evil, Sec-Fetch-Site cross-site), even with a valid token pair", () =>
      withApp({}, async (app) => {
        const user = await createUser(app, "lcross");
        const client = createTestClient(app.baseUrl);
        const token = await client.fetchCsrf();
        const json = { username: user.username, password: user.password };
        assertCsrfRefused(
          await client.post("/api/login/", { bare: true, json, headers: { ...EVIL, "x-csrftoken": token } }),
          "csrf_cross_site",
        );
        const form = new URLSearchParams({ ...json, csrfmiddlewaretoken: token }).toString();
        const formPost = await client.post("/api/login/", {
          bare: true,
          body: form,
          headers: { ...EVIL, "content-type": "application/x-www-form-urlencoded" },
        });
        assertCsrfRefused(formPost, "csrf_cross_site");
        assert.equal((await client.get("/api/whoami/")).status, 401);
      }));

    it("accepts a form-encoded login carrying the csrfmiddlewaretoken field", () =>
      withApp({}, async (app) => {
        const user = await createUser(app, "lform");
        const client = createTestClient(app.baseUrl);
        const token = await client.fetchCsrf();
        const body = new URLSearchParams({
          username: user.username,
          password: user.password,
          csrfmiddlewaretoken: token,
        }).toString();
        const res = await client.post("/api/login/", {
          body,
          headers: { "content-type": "application/x-www-form-urlencoded" },
        });
        assert.equal(res.status, 200, res.text);
        assert.equal((await client.get("/api/whoami/")).json.username, user.username);
        const wrong = createTestClient(app.baseUrl);
        await wrong.fetchCsrf();
        const forged = new URLSearchParams({
          username: user.username,
          password: user.password,
          csrfmiddlewaretoken: token,
        }).toString();
        assertCsrfRefused(
          await wrong.post("/api/login/", {
            body: forged,
            headers: { "content-type": "application/x-www-form-urlencoded" },
          }),
          "csrf_token_incorrect",
        );
      }));

    it("with compat.loginWithoutCsrfToken, accepts a same-origin login without token but still refuses a cross-site one", () =>
      withApp({ compat: { loginWithoutCsrfToken: true } }, async (app) => {
        const user = await createUser(app, "lcompat");
        const json = { username: user.username, password: user.password };
        const client = createTestClient(app.baseUrl);
        const res = await client.post("/api/login/", { json });
        assert.equal(res.status, 200, res.text);
        const attacker = createTestClient(app.baseUrl);
        assertCsrfRefused(await attacker.post("/api/login/", { bare: true, json, headers: EVIL }), "csrf_cross_site");
        assertCsrfRefused(
          await attacker.post("/api/login/", { bare: true, json, headers: { origin: "http://evil.example" } }),
          "csrf_origin_untrusted",
        );
        assert.equal((await attacker.get("/api/whoami/")).status, 401);
        // A token that is sent is still checked.
        await attacker.fetchCsrf();
        assertCsrfRefused(
          await attacker.post("/api/login/", { json, headers: { "x-csrftoken": "garbage" } }),
          "csrf_token_malformed",
        );
      }));

    it("accepts unsafe requests from an origin listed in trustedOrigins, and only that exact origin", () =>
      withApp({ trustedOrigins: ["http://localhost:5173"] }, async (app) => {
        const { client, user } = await newSession(app, "trusted");
        const token = client.csrfToken ?? "";
        for (const site of ["same-site", "cross-site"]) {
          const res = await client.post("/api/hello/", {
            bare: true,
            json: {},
            headers: { origin: "http://localhost:5173", "sec-fetch-site": site, "x-csrftoken": token },
          });
          assert.equal(res.status, 200, `${site}: ${res.text}`);
          assert.equal(res.json.hello, user.username);
        }
        for (const origin of [
          "http://localhost:5174",
          "https://localhost:5173",
          "http://localhost:5173.evil.example",
          "http://localhost",
        ]) {
          const res = await client.post("/api/hello/", {
            bare: true,
            json: {},
            headers: { origin, "sec-fetch-site": "cross-site", "x-csrftoken": token },
          });
          assertCsrfRefused(res, "csrf_cross_site");
        }
      }));

    it('with csrf.mode "origin", accepts a token-less same-origin POST but refuses cross-origin and header-less ones', () =>
      withApp({ csrf: { mode: "origin" } }, async (app) => {
        const user = await createUser(app, "morigin");
        const client = createTestClient(app.baseUrl);
        const login = await client.post("/api/login/", { json: { username: user.username, password: user.password } });
        assert.equal(login.status, 200, login.text);
        const res = await client.post("/api/hello/", { json: {} });
        assert.equal(res.status, 200, res.text);
        assertCsrfRefused(await client.post("/api/hello/", { bare: true, json: {}, headers: EVIL }), "csrf_cross_site");
        assertCsrfRefused(
          await client.post("/api/hello/", { bare: true, json: {}, headers: { origin: "http://evil.example" } }),
          "csrf_origin_untrusted",
        );
        // With no token behind it, a request whose origin cannot be told is refused (fail closed).
        assertCsrfRefused(await client.post("/api/hello/", { bare: true, json: {} }), "csrf_origin_missing");
        assertCsrfRefused(await client.post("/api/logout/", { bare: true }), "csrf_origin_missing");
        assert.equal((await client.get("/api/whoami/")).status, 200);
      }));

    it('with csrf.mode "token", ignores the Origin but still demands the token', () =>
      withApp({ csrf: { mode: "token" } }, async (app) => {
        const { client } = await newSession(app, "mtoken");
        const token = client.csrfToken ?? "";
        const res = await client.post("/api/hello/", {
          bare: true,
          json: {},
          headers: { ...EVIL, "x-csrftoken": token },
        });
        assert.equal(res.status, 200, res.text);
        assertCsrfRefused(await client.post("/api/hello/", { json: {} }), "csrf_token_missing");
        assertCsrfRefused(
          await client.post("/api/hello/", {
            json: {},
            headers: { "x-csrftoken": token.replace(/^./, (c) => (c === "a" ? "b" : "a")) },
          }),
          "csrf_token_incorrect",
        );
      }));

    it("with compat.getLogout, logs out on a same-origin GET but refuses a cross-site one (an <img> on a hostile page)", () =>
      withApp({ compat: { getLogout: true } }, async (app) => {
        const { client } = await newSession(app, "getlogout");
        const img = await client.get("/api/logout/", {
          headers: { "sec-fetch-site": "cross-site", "sec-fetch-mode": "no-cors", "sec-fetch-dest": "image" },
        });
        assertCsrfRefused(img, "csrf_cross_site");
        const fromReferer = await client.get("/api/logout/", { headers: { referer: "http://evil.example/page" } });
        assertCsrfRefused(fromReferer, "csrf_referer_untrusted");
        assert.equal((await client.get("/api/whoami/")).status, 200, "still logged in");
        assert.equal((await client.request("PUT", "/api/logout/")).headers.get("allow"), "POST, GET, HEAD, OPTIONS");
        const res = await client.get("/api/logout/", { headers: { "sec-fetch-site": "same-origin" } });
        assert.equal(res.status, 200, res.text);
        assert.equal((await client.get("/api/whoami/")).status, 401);
      }));

    it("masks the token differently in every response, and every masking validates (BREACH)", () =>
      withApp({}, async (app) => {
        const { client } = await newSession(app, "breach");
        const secret = client.cookie("csrftoken");
        const tokens = new Set<string>();
        for (let i = 0; i < 4; i++) tokens.add(await client.fetchCsrf());
        assert.equal(tokens.size, 4, "four responses, four different tokens");
        assert.equal(client.cookie("csrftoken"), secret, "the secret behind them stays the same");
        for (const token of tokens) {
          assert.ok(!token.includes(secret ?? "-"), "the secret never appears in clear in the token");
          const res = await client.post("/api/hello/", { json: {}, headers: { "x-csrftoken": token } });
          assert.equal(res.status, 200, res.text);
        }
      }));

    it("accepts the bare 32-character secret in the header, as Django does", () =>
      withApp({}, async (app) => {
        const { client } = await newSession(app, "bare32");
        const secret = client.cookie("csrftoken") ?? "";
        assert.match(secret, /^[A-Za-z0-9]{32}$/);
        const res = await client.post("/api/hello/", { json: {}, headers: { "x-csrftoken": secret } });
        assert.equal(res.status, 200, res.text);
      }));
  });
}
