import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createTestClient } from "@latchkey/testkit";
import { ADAPTERS } from "../harness/adapters.js";
import { appRunner, type TestOptions } from "../harness/app-under-test.js";
import { createUser } from "./support.js";

// The table "SPAs written for the Django tutorials" in docs/migrating-from-django.md: for
// each kind of tutorial back end, the settings that let its SPA run unchanged, proven by
// replaying the requests that SPA makes (over HTTP, with a browser-like cookie jar).

/**
 * Django views with JSON bodies (`/api/csrf/`, `/api/session/`, `/api/login/`, `/api/whoami/`), logging out with GET.
 */
const DJANGO_VIEWS: TestOptions = { compat: { getLogout: true } };

/**
 * Django REST Framework: Basic-auth login answering `UserSerializer(user).data`, `/api/auth/login/`,
 * `/api/auth/logout/`, `/api/me/`.
 */
const DRF_BASIC: TestOptions = {
  userShape: "drf",
  loginResponse: "user",
  compat: { loginWithoutCsrfToken: true },
  routes: { login: ["/login/", "/auth/login/"], logout: ["/logout/", "/auth/logout/"], whoami: ["/whoami/", "/me/"] },
};

const basic = (username: string, password: string): string =>
  `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;

for (const [adapter, start] of Object.entries(ADAPTERS)) {
  const withApp = appRunner(start);
  describe(`SPAs written for the Django tutorials run unchanged with the documented settings (${adapter} adapter)`, () => {
    it("a Django-views SPA: session check sets the CSRF cookie, JSON login with the cookie's token, whoami, GET logout", () =>
      withApp(DJANGO_VIEWS, async (app) => {
        const user = await createUser(app, "views");
        const spa = createTestClient(app.baseUrl);
        const first = await spa.get("/api/session/");
        assert.deepEqual(first.json, { isAuthenticated: false });
        const token = spa.cookie("csrftoken");
        assert.ok(token, "the session check set the CSRF cookie the SPA reads");
        const login = await spa.post("/api/login/", {
          json: { username: user.username, password: user.password },
          headers: { "x-csrftoken": token },
        });
        assert.equal(login.status, 200, login.text);
        assert.equal(login.json.detail, "Successfully logged in.");
        assert.deepEqual((await spa.get("/api/session/")).json, { isAuthenticated: true });
        assert.equal((await spa.get("/api/whoami/")).json.username, user.username);
        const logout = await spa.get("/api/logout/");
        assert.equal(logout.status, 200, logout.text);
        assert.deepEqual((await spa.get("/api/session/")).json, { isAuthenticated: false });
      }));

    it("a DRF SPA logging in with Basic auth: the whole login body is the user, /me/, then logout at /auth/logout/", () =>
      withApp(DRF_BASIC, async (app) => {
        const user = await createUser(app, "drfspa", { firstName: "Grace", lastName: "Hopper" });
        const spa = createTestClient(app.baseUrl);
        const login = await spa.post("/api/auth/login/", {
          headers: { authorization: basic(user.username, user.password) },
        });
        assert.equal(login.status, 200, login.text);
        assert.equal(login.headers.get("www-authenticate"), null, "no browser login dialog");
        assert.deepEqual(Object.keys(login.json).sort(), [
          "date_joined",
          "email",
          "first_name",
          "id",
          "is_staff",
          "last_name",
          "username",
        ]);
        assert.equal(login.json.first_name, "Grace");
        const me = await spa.get("/api/me/");
        assert.equal(me.status, 200, me.text);
        assert.equal(me.json.username, user.username);
        const logout = await spa.post("/api/auth/logout/", {
          headers: { "x-csrftoken": spa.cookie("csrftoken") ?? "" },
        });
        assert.equal(logout.status, 200, logout.text);
        assert.equal((await spa.get("/api/me/")).status, 401);
        const wrong = await createTestClient(app.baseUrl).post("/api/auth/login/", {
          headers: { authorization: basic(user.username, "wrong password") },
        });
        assert.equal(wrong.status, 400, "a wrong password is a 400 with detail, never a 401 dialog");
        assert.equal(wrong.json.detail, "Invalid credentials.");
      }));
  });
}
