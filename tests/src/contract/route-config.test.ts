import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ADAPTERS } from "../harness/adapters.js";
import { appRunner } from "../harness/app-under-test.js";
import { createTestClient, type TestClient } from "@latchkey/testkit";
import { assertJson, createUser, type Fixture } from "./support.js";

const DEFAULT_PATHS = [
  "/api/csrf/",
  "/api/session/",
  "/api/login/",
  "/api/logout/",
  "/api/whoami/",
  "/api/password/change/",
  "/api/token/login/",
  "/api/token/logout/",
  "/api/token/logoutall/",
  "/api/openapi.json",
];
const TOKEN_PATHS = ["/api/token/login/", "/api/token/logout/", "/api/token/logoutall/"];

/** The OpenAPI document's `paths` keys. */
async function documentedPaths(client: TestClient, path = "/api/openapi.json"): Promise<string[]> {
  const res = await client.get(path);
  assert.equal(res.status, 200, res.text);
  assertJson(res);
  assert.equal(res.json.openapi, "3.1.0");
  const paths = res.json.paths;
  assert.ok(typeof paths === "object" && paths !== null);
  return Object.keys(paths);
}

/** Logs in at `base` + `loginPath` with the CSRF flow at `base`/csrf/. */
async function loginAt(client: TestClient, user: Fixture, loginPath: string, csrfPath = "/api/csrf/") {
  await client.get(csrfPath);
  return client.post(loginPath, {
    json: { username: user.username, password: user.password },
    headers: { "x-csrftoken": client.csrfToken ?? "" },
  });
}

for (const [adapter, start] of Object.entries(ADAPTERS)) {
  describe(`configurable routes and the OpenAPI document (${adapter} adapter)`, () => {
    const withApp = appRunner(start);

    it("serves an OpenAPI 3.1 document listing every enabled route", () =>
      withApp({}, async (app) => {
        const paths = await documentedPaths(createTestClient(app.baseUrl));
        for (const path of DEFAULT_PATHS) assert.ok(paths.includes(path), `${path} is documented`);
        const doc = (await createTestClient(app.baseUrl).get("/api/openapi.json")).json as {
          paths: Record<string, Record<string, { responses?: unknown }>>;
        };
        assert.ok(doc.paths["/api/login/"]?.post?.responses, "login has documented responses");
        assert.ok(doc.paths["/api/whoami/"]?.get?.responses, "whoami has documented responses");
      }));

    it("leaves a route disabled with routes: { tokenLogin: false } out of the document and unserved", () =>
      withApp({ routes: { tokenLogin: false } }, async (app) => {
        const client = createTestClient(app.baseUrl);
        const paths = await documentedPaths(client);
        assert.ok(!paths.includes("/api/token/login/"));
        assert.ok(paths.includes("/api/token/logout/"), "the other token routes stay");
        const user = await createUser(app, "tokoff");
        const res = await client.post("/api/token/login/", {
          bare: true,
          json: { username: user.username, password: user.password },
        });
        assert.equal(res.status, 404, res.text);
        assert.equal(res.json.token, undefined);
      }));

    it("drops every token route and refuses bearer credentials with bearer: { enabled: false }", () =>
      withApp({ bearer: { enabled: false } }, async (app) => {
        const client = createTestClient(app.baseUrl);
        const paths = await documentedPaths(client);
        for (const path of TOKEN_PATHS) assert.ok(!paths.includes(path), `${path} is not documented`);
        for (const path of TOKEN_PATHS)
          assert.equal((await client.post(path, { bare: true, json: {} })).status, 404, path);
        const res = await client.get("/api/whoami/", { headers: { authorization: "Bearer abc" } });
        assert.equal(res.status, 401);
        assert.equal(res.json.username, undefined);
      }));

    it("serves route aliases: /auth/login/ beside /login/, /me/ beside /whoami/", () =>
      withApp({ routes: { login: ["/login/", "/auth/login/"], whoami: ["/whoami/", "/me/"] } }, async (app) => {
        const user = await createUser(app, "alias");
        const viaAlias = createTestClient(app.baseUrl);
        const res = await loginAt(viaAlias, user, "/api/auth/login/");
        assert.equal(res.status, 200, res.text);
        for (const path of ["/api/me/", "/api/me", "/api/whoami/"]) {
          const who = await viaAlias.get(path);
          assert.equal(who.status, 200, path);
          assert.equal(who.json.username, user.username);
        }
        const viaPrimary = createTestClient(app.baseUrl);
        assert.equal((await loginAt(viaPrimary, user, "/api/login")).status, 200);
        assert.equal((await viaPrimary.get("/api/auth/login/")).status, 405, "the alias is the same route");
        const paths = await documentedPaths(viaPrimary);
        assert.ok(paths.includes("/api/login/") && paths.includes("/api/whoami/"));
      }));

    it('renders the user in Django REST Framework\'s snake_case with userShape: "drf"', () =>
      withApp({ userShape: "drf" }, async (app) => {
        const user = await createUser(app, "drf", { firstName: "Grace", lastName: "Hopper", isStaff: true });
        const client = createTestClient(app.baseUrl);
        const login = await client.login(user.username, user.password);
        assert.equal(login.status, 200, login.text);
        const expectedKeys = ["date_joined", "email", "first_name", "id", "is_staff", "last_name", "username"];
        assert.deepEqual(Object.keys(login.json.user as object).sort(), expectedKeys);
        const who = await client.get("/api/whoami/");
        assert.deepEqual(Object.keys(who.json).sort(), expectedKeys);
        assert.equal(who.json.first_name, "Grace");
        assert.equal(who.json.last_name, "Hopper");
        assert.equal(who.json.is_staff, true);
        assert.match(String(who.json.date_joined), /^\d{4}-\d\d-\d\dT/);
      }));

    it('answers a login with the user object alone with loginResponse: "user", as a DRF tutorial back end does', () =>
      withApp({ loginResponse: "user", userShape: "drf" }, async (app) => {
        const user = await createUser(app, "whole", { firstName: "Ada" });
        const client = createTestClient(app.baseUrl);
        const login = await client.login(user.username, user.password);
        assert.equal(login.status, 200, login.text);
        assert.equal(login.json.username, user.username, "the body is the user");
        assert.equal(login.json.first_name, "Ada");
        assert.equal(login.json.detail, undefined);
        assert.equal((await client.get("/api/whoami/")).json.username, user.username, "and the session cookie was set");
        const basic = createTestClient(app.baseUrl);
        await basic.fetchCsrf();
        const viaBasic = await basic.post("/api/login/", {
          headers: {
            authorization: `Basic ${Buffer.from(`${user.username}:${user.password}`).toString("base64")}`,
            "x-csrftoken": basic.csrfToken ?? "",
          },
        });
        assert.equal(viaBasic.status, 200, viaBasic.text);
        assert.equal(viaBasic.json.username, user.username, "Basic-auth login answers the same shape");
      }));

    it("moves every route under another basePath", () =>
      withApp({ basePath: "/auth" }, async (app) => {
        const user = await createUser(app, "base");
        const client = createTestClient(app.baseUrl);
        const res = await loginAt(client, user, "/auth/login/", "/auth/csrf/");
        assert.equal(res.status, 200, res.text);
        assert.equal((await client.get("/auth/whoami/")).json.username, user.username);
        assert.equal((await client.get("/auth/session")).json.isAuthenticated, true);
        assert.equal((await client.get("/api/whoami/")).status, 404, "nothing left at the old base path");
        const paths = await documentedPaths(client, "/auth/openapi.json");
        assert.ok(paths.includes("/auth/login/"));
        assert.ok(!paths.some((p) => p.startsWith("/api/")));
      }));
  });
}
