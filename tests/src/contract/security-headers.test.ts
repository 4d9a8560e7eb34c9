import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createTestClient, type TestResponse } from "@latchkey/testkit";
import { ADAPTERS } from "../harness/adapters.js";
import { appRunner, type AppUnderTest } from "../harness/app-under-test.js";
import { bearerToken, createUser, newSession } from "./support.js";

/** Asserts the headers every answer latchkey gives itself carries, on any adapter. */
function assertSecurityHeaders(res: TestResponse, what: string): void {
  assert.equal(res.headers.get("x-content-type-options"), "nosniff", `${what}: nosniff`);
  assert.equal(
    res.headers.get("content-security-policy"),
    "default-src 'none'; frame-ancestors 'none'",
    `${what}: CSP`,
  );
  assert.equal(res.headers.get("x-frame-options"), "DENY", `${what}: X-Frame-Options`);
  assert.equal(res.headers.get("referrer-policy"), "no-referrer", `${what}: Referrer-Policy`);
}

/** A request that reached the server over HTTPS through one trusted proxy. */
const VIA_HTTPS = { "x-forwarded-proto": "https" };

for (const [adapter, start] of Object.entries(ADAPTERS)) {
  describe(`security headers on latchkey's answers (${adapter} adapter)`, () => {
    let app: AppUnderTest;
    before(async () => {
      app = await start({ throttle: { enabled: false }, trustedOrigins: ["http://localhost:5173"] });
    });
    after(() => app.close());

    it("puts CSP, X-Frame-Options, Referrer-Policy and nosniff on every route's answer, success or refusal", async () => {
      const { client } = await newSession(app, "hdr");
      const stranger = createTestClient(app.baseUrl);
      const answers: [string, TestResponse][] = [
        ["GET /api/csrf/", await stranger.get("/api/csrf/")],
        ["GET /api/session/", await stranger.get("/api/session/")],
        ["GET /api/whoami/ 200", await client.get("/api/whoami/")],
        ["GET /api/whoami/ 401", await stranger.get("/api/whoami/")],
        ["GET /api/openapi.json", await stranger.get("/api/openapi.json")],
        ["POST /api/login/ 403", await stranger.post("/api/login/", { json: {} })],
        ["DELETE /api/login/ 405", await stranger.request("DELETE", "/api/login/")],
        [
          "OPTIONS preflight",
          await stranger.request("OPTIONS", "/api/login/", {
            headers: { origin: "http://localhost:5173", "access-control-request-method": "POST" },
          }),
        ],
        ["guard 401 on an app route", await stranger.get("/api/hello/")],
        ["middleware CSRF 403 on an app route", await client.post("/api/hello/", { json: {} })],
        [
          "POST /api/logout/ 200",
          await client.post("/api/logout/", { headers: { "x-csrftoken": client.csrfToken ?? "" } }),
        ],
      ];
      for (const [what, res] of answers) {
        assert.ok(res.status < 500, `${what}: ${res.status} ${res.text}`);
        assertSecurityHeaders(res, what);
        assert.equal(res.headers.get("strict-transport-security"), null, `${what}: no HSTS in development`);
      }
    });

    it("leaves the app's own successful answers alone", async () => {
      const res = await createTestClient(app.baseUrl).get("/api/public/");
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-security-policy"), null);
    });

    it('answers a cookie logout with Clear-Site-Data: "cache", "cookies", and a bearer logout without it', async () => {
      const { client, user } = await newSession(app, "csd");
      const res = await client.post("/api/logout/", { headers: { "x-csrftoken": client.csrfToken ?? "" } });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.headers.get("clear-site-data"), '"cache", "cookies"');
      const token = await bearerToken(app, user);
      const bearer = await createTestClient(app.baseUrl).post("/api/logout/", {
        bare: true,
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(bearer.status, 200, bearer.text);
      assert.equal(bearer.headers.get("clear-site-data"), null);
      const refused = await createTestClient(app.baseUrl).post("/api/logout/", { json: {} });
      assert.equal(refused.status, 400);
      assert.equal(refused.headers.get("clear-site-data"), null, "nothing is wiped when no session ended");
    });
  });

  describe(`Strict-Transport-Security (${adapter} adapter)`, () => {
    const withApp = appRunner(start);

    it("is sent in production over HTTPS (via a trusted proxy) with a one-year max-age, and never over plain http", () =>
      withApp({ mode: "production", trustProxy: 1 }, async (app) => {
        const client = createTestClient(app.baseUrl);
        for (const path of ["/api/csrf/", "/api/whoami/", "/api/openapi.json"]) {
          const secure = await client.get(path, { headers: VIA_HTTPS });
          assert.equal(secure.headers.get("strict-transport-security"), "max-age=31536000", path);
          assertSecurityHeaders(secure, path);
          const plain = await client.get(path);
          assert.equal(plain.headers.get("strict-transport-security"), null, `${path} over plain http`);
          const forged = await client.get(path, { headers: { "x-forwarded-proto": "https, http" } });
          assert.equal(forged.headers.get("strict-transport-security"), null, `${path}: the nearest proxy said http`);
        }
      }));

    it("is not sent when X-Forwarded-Proto comes from an untrusted client", () =>
      withApp({ mode: "production" }, async (app) => {
        const res = await createTestClient(app.baseUrl).get("/api/csrf/", { headers: VIA_HTTPS });
        assert.equal(res.headers.get("strict-transport-security"), null);
      }));

    it("follows the hsts settings: max-age, includeSubDomains, preload, or off", async () => {
      await withApp(
        {
          mode: "production",
          trustProxy: 1,
          hsts: { maxAgeSeconds: 63_072_000, includeSubDomains: true, preload: true },
        },
        async (app) => {
          const res = await createTestClient(app.baseUrl).get("/api/csrf/", { headers: VIA_HTTPS });
          assert.equal(res.headers.get("strict-transport-security"), "max-age=63072000; includeSubDomains; preload");
        },
      );
      await withApp({ mode: "production", trustProxy: 1, hsts: { enabled: false } }, async (app) => {
        const res = await createTestClient(app.baseUrl).get("/api/csrf/", { headers: VIA_HTTPS });
        assert.equal(res.headers.get("strict-transport-security"), null);
      });
      await withApp({ trustProxy: 1, hsts: { enabled: true, maxAgeSeconds: 600 } }, async (app) => {
        const res = await createTestClient(app.baseUrl).get("/api/csrf/", { headers: VIA_HTTPS });
        assert.equal(res.headers.get("strict-transport-security"), "max-age=600", "on in development when asked");
      });
    });

    it("with clearSiteDataOnLogout: [], logs out without Clear-Site-Data", () =>
      withApp({ clearSiteDataOnLogout: [] }, async (app) => {
        const { client } = await newSession(app, "nocsd");
        const res = await client.post("/api/logout/", { headers: { "x-csrftoken": client.csrfToken ?? "" } });
        assert.equal(res.status, 200, res.text);
        assert.equal(res.headers.get("clear-site-data"), null);
        await createUser(app, "nocsd");
      }));
  });
}
