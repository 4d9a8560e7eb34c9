import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ADAPTERS } from "../harness/adapters.js";
import type { AppUnderTest } from "../harness/app-under-test.js";
import { createTestClient } from "@latchkey/testkit";
import { createUser } from "./support.js";

const SPA = "http://localhost:5173";
const EVIL = "http://evil.example";

for (const [adapter, start] of Object.entries(ADAPTERS)) {
  describe(`CORS for trusted origins (${adapter} adapter)`, () => {
    let app: AppUnderTest;
    before(async () => {
      app = await start({ trustedOrigins: [SPA] });
    });
    after(() => app.close());

    async function preflight(path: string, origin: string, method = "POST") {
      return createTestClient(app.baseUrl).request("OPTIONS", path, {
        headers: {
          origin,
          "access-control-request-method": method,
          "access-control-request-headers": "content-type, x-csrftoken",
        },
      });
    }

    it("answers a preflight from a trusted origin for latchkey's routes and the app's routes", async () => {
      for (const path of ["/api/login/", "/api/hello/"]) {
        const res = await preflight(path, SPA);
        assert.equal(res.status, 204, path);
        assert.equal(res.headers.get("access-control-allow-origin"), SPA, path);
        assert.equal(res.headers.get("access-control-allow-credentials"), "true", path);
        const allowed = (res.headers.get("access-control-allow-headers") ?? "").toLowerCase();
        assert.ok(allowed.includes("x-csrftoken") && allowed.includes("content-type"), allowed);
        assert.match(res.headers.get("access-control-allow-methods") ?? "", /POST/);
        assert.match(res.headers.get("vary") ?? "", /Origin/);
      }
    });

    it("never allows an untrusted origin, a look-alike or null in a preflight", async () => {
      for (const origin of [EVIL, `${SPA}.evil.example`, "http://localhost:5174", "null"]) {
        const res = await preflight("/api/login/", origin);
        assert.equal(res.headers.get("access-control-allow-origin"), null, origin);
        assert.equal(res.headers.get("access-control-allow-credentials"), null, origin);
      }
    });

    it("lets the trusted SPA read responses, including the X-CSRFToken header, and log in cross-origin", async () => {
      const user = await createUser(app, "cors");
      const spa = createTestClient(app.baseUrl, { origin: SPA, secFetchSite: "same-site" });
      const csrf = await spa.get("/api/csrf/", { headers: { origin: SPA } });
      assert.equal(csrf.headers.get("access-control-allow-origin"), SPA);
      assert.match(csrf.headers.get("access-control-expose-headers") ?? "", /X-CSRFToken/i);
      const login = await spa.post("/api/login/", {
        json: { username: user.username, password: user.password },
        headers: { "x-csrftoken": spa.csrfToken ?? "" },
      });
      assert.equal(login.status, 200, login.text);
      assert.equal(login.headers.get("access-control-allow-origin"), SPA);
      const hello = await spa.get("/api/hello/", { headers: { origin: SPA } });
      assert.equal(hello.status, 200);
      assert.equal(hello.headers.get("access-control-allow-origin"), SPA);
    });

    it("lets the trusted SPA read a 401 from an app route, so it can show the login form", async () => {
      const res = await createTestClient(app.baseUrl).get("/api/hello/", { headers: { origin: SPA } });
      assert.equal(res.status, 401);
      assert.equal(res.headers.get("access-control-allow-origin"), SPA);
    });

    it("gives an untrusted origin no CORS headers, and its cross-origin POST still fails the CSRF check", async () => {
      const user = await createUser(app, "corsevil");
      const attacker = createTestClient(app.baseUrl, { origin: EVIL, secFetchSite: "cross-site" });
      const read = await attacker.get("/api/whoami/", { headers: { origin: EVIL } });
      assert.equal(read.headers.get("access-control-allow-origin"), null);
      assert.match(read.headers.get("vary") ?? "", /Origin/);
      const login = await attacker.post("/api/login/", { json: { username: user.username, password: user.password } });
      assert.equal(login.status, 403);
      assert.equal(login.headers.get("access-control-allow-origin"), null);
    });
  });

  describe(`CORS with no trusted origin (${adapter} adapter)`, () => {
    let app: AppUnderTest;
    before(async () => {
      app = await start({ trustedOrigins: [] });
    });
    after(() => app.close());

    // No origin changes an answer when none is trusted, so latchkey says no Vary: Origin
    // and gives every origin the same answer, without CORS headers.
    it("answers every origin alike, without CORS headers or Vary, on its own routes and the app's", async () => {
      const user = await createUser(app, "nocors");
      const client = createTestClient(app.baseUrl);
      await client.login(user.username, user.password);
      for (const origin of [undefined, SPA, EVIL]) {
        const headers: Record<string, string> = origin === undefined ? {} : { origin };
        for (const path of ["/api/csrf/", "/api/whoami/", "/api/hello/"]) {
          const res = await client.get(path, { headers });
          assert.equal(res.status, 200, `${path} ${origin}: ${res.text}`);
          assert.equal(res.headers.get("vary"), null, `${path} ${origin}`);
          assert.equal(res.headers.get("access-control-allow-origin"), null, `${path} ${origin}`);
        }
      }
      const pre = await createTestClient(app.baseUrl).request("OPTIONS", "/api/login/", {
        headers: { origin: SPA, "access-control-request-method": "POST" },
      });
      assert.equal(pre.headers.get("access-control-allow-origin"), null);
    });
  });

  describe(`CORS turned off (${adapter} adapter)`, () => {
    let app: AppUnderTest;
    before(async () => {
      app = await start({ trustedOrigins: [SPA], cors: { enabled: false } });
    });
    after(() => app.close());

    it("adds no CORS headers even for a trusted origin", async () => {
      const res = await createTestClient(app.baseUrl).get("/api/csrf/", { headers: { origin: SPA } });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("access-control-allow-origin"), null);
    });
  });
}
