import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createTestClient } from "@latchkey/testkit";
import { runLatchkey, startServe, tempDir, type ServeProcess } from "./latchkey-process.js";

// The deployment presets through the ready server: LATCHKEY_DEPLOYMENT sets cookies, CORS and
// proxy trust together, and a combination that cannot work stops `latchkey serve` at
// start-up with the fix in the message.

const SPA = "https://app.example.com";
const TIMEOUT_MS = 60_000;

/** `latchkey serve` on a free port with this environment. */
async function serveWith(env: Record<string, string>): Promise<{ server: ServeProcess; close(): Promise<void> }> {
  const dir = tempDir("latchkey-preset-");
  const server = await startServe(["--port", "0"], { cwd: dir.path, env });
  return {
    server,
    async close() {
      await server.stop();
      dir.cleanup();
    },
  };
}

/** The CORS answer to a credentialed preflight from the SPA's origin. */
async function preflight(url: string): Promise<Headers> {
  const res = await fetch(`${url}/api/login/`, {
    method: "OPTIONS",
    headers: {
      origin: SPA,
      "access-control-request-method": "POST",
      "access-control-request-headers": "content-type,x-csrftoken",
    },
  });
  return res.headers;
}

describe("LATCHKEY_DEPLOYMENT presets in latchkey serve", () => {
  it("refuses to start cross-site without trusted origins, naming the setting and its fix", {
    timeout: TIMEOUT_MS,
  }, async () => {
    const dir = tempDir("latchkey-preset-");
    try {
      const result = await runLatchkey(["serve", "--port", "0"], {
        cwd: dir.path,
        env: { LATCHKEY_DEPLOYMENT: "cross-site" },
      });
      assert.equal(result.code, 1, result.stderr);
      assert.match(
        result.stderr,
        /deployment "cross-site" serves an SPA on another origin, which needs its origin in trustedOrigins/,
      );
      const lax = await runLatchkey(["serve", "--port", "0"], {
        cwd: dir.path,
        env: { LATCHKEY_DEPLOYMENT: "cross-site", LATCHKEY_TRUSTED_ORIGINS: SPA, LATCHKEY_COOKIES_SAME_SITE: "lax" },
      });
      assert.equal(lax.code, 1, lax.stderr);
      assert.match(
        lax.stderr,
        /LATCHKEY_COOKIES_SAME_SITE="lax" \(environment\).*deployment "cross-site" needs "none"/,
      );
    } finally {
      dir.cleanup();
    }
  });

  describe("cross-site", () => {
    let app: Awaited<ReturnType<typeof serveWith>>;
    before(async () => {
      app = await serveWith({ LATCHKEY_DEPLOYMENT: "cross-site", LATCHKEY_TRUSTED_ORIGINS: SPA });
    });
    after(() => app.close());

    it("sends SameSite=None; Secure; Partitioned cookies and answers the SPA's preflight with credentials", {
      timeout: TIMEOUT_MS,
    }, async () => {
      const res = await createTestClient(app.server.url).get("/api/csrf/");
      const cookie = res.setCookies.find((c) => c.startsWith("csrftoken=")) ?? "";
      assert.match(cookie, /; Secure/);
      assert.match(cookie, /; SameSite=None/);
      assert.match(cookie, /; Partitioned/);
      const headers = await preflight(app.server.url);
      assert.equal(headers.get("access-control-allow-origin"), SPA);
      assert.equal(headers.get("access-control-allow-credentials"), "true");
    });
  });

  describe("reverse-proxy", () => {
    let app: Awaited<ReturnType<typeof serveWith>>;
    before(async () => {
      app = await serveWith({ LATCHKEY_DEPLOYMENT: "reverse-proxy" });
    });
    after(() => app.close());

    it("trusts the proxy's X-Forwarded-Proto (Secure cookies behind TLS termination) and answers no CORS", {
      timeout: TIMEOUT_MS,
    }, async () => {
      const res = await createTestClient(app.server.url).get("/api/csrf/", {
        headers: { "x-forwarded-proto": "https", "x-forwarded-for": "203.0.113.9" },
      });
      const cookie = res.setCookies.find((c) => c.startsWith("csrftoken=")) ?? "";
      assert.match(cookie, /; Secure/);
      assert.match(cookie, /; SameSite=Lax/);
      assert.doesNotMatch(cookie, /Partitioned/);
      assert.equal(
        (await preflight(app.server.url)).get("access-control-allow-origin"),
        null,
        "one origin: no CORS for anyone",
      );
    });
  });
});
