import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { browserTestSkip } from "../browser/harness/browser.js";
import { runLatchkey, startServe, tempDir } from "../server/latchkey-process.js";
import { startHeaderProxy, type AnswerHeaders } from "./header-proxy.js";
import { type DoctorCheck, type DoctorReport, spaPage } from "./doctor-harness.js";

// `latchkey doctor --token`: an SPA with bearer tokens (deployment "cross-site-token", mode D)
// against a real `latchkey serve` (a real SQLite database, the user made with
// `latchkey createsuperuser`), with Debian's Chromium logging in from the SPA's page with
// `credentials: "omit"`. The SPA is a page on http://localhost:<port>, the API on
// http://127.0.0.1:<port>: two sites.

const TIMEOUT_MS = 120_000;
const PASSWORD = "correct horse battery staple";

describe("latchkey doctor --token", { skip: browserTestSkip("chromium") }, () => {
  const spa = spaPage();

  /** A server with the user alice (behind a proxy applying `rewrite`, if given); runs `doctor --token --browser`. */
  async function doctor(options: {
    env: Record<string, string>;
    rewrite?: (headers: AnswerHeaders, method: string) => void;
    user?: boolean;
  }): Promise<{ code: number | null; output: string; report: DoctorReport }> {
    const dir = tempDir("latchkey-doctor-token-");
    const env = { LATCHKEY_TRUSTED_ORIGINS: spa.origin(), ...options.env };
    const migrated = await runLatchkey(["migrate"], { cwd: dir.path, env });
    assert.equal(migrated.code, 0, migrated.stderr);
    const created = await runLatchkey(
      ["createsuperuser", "--noinput", "--username", "alice", "--email", "alice@example.com"],
      { cwd: dir.path, env: { ...env, LATCHKEY_SUPERUSER_PASSWORD: PASSWORD } },
    );
    assert.equal(created.code, 0, created.stderr);
    const server = await startServe(["--port", "0"], { cwd: dir.path, env });
    const proxy =
      options.rewrite === undefined ? null : await startHeaderProxy({ upstream: server.url, rewrite: options.rewrite });
    try {
      const api = proxy?.url ?? server.url;
      const args = ["doctor", `${spa.origin()}/`, "--api", `${api}/api`, "--token", "--browser", "--json"];
      const result = await runLatchkey(options.user === true ? [...args, "--user", "alice"] : args, {
        cwd: dir.path,
        env: { HOME: dir.path, ...(options.user === true ? { LATCHKEY_DOCTOR_PASSWORD: PASSWORD } : {}) },
      });
      assert.ok(result.stdout.startsWith("{"), result.stderr);
      return {
        code: result.code,
        output: result.stdout + result.stderr,
        report: JSON.parse(result.stdout) as DoctorReport,
      };
    } finally {
      await proxy?.stop();
      await server.stop();
      dir.cleanup();
    }
  }

  const check = (report: DoctorReport, id: string): DoctorCheck => {
    const found = report.checks.find((c) => c.id === id);
    assert.ok(found, `no ${id} check in ${JSON.stringify(report.checks, null, 1)}`);
    return found;
  };

  it("passes a cross-site-token deployment without cookie checks and exits 0", { timeout: TIMEOUT_MS }, async () => {
    const { code, report } = await doctor({ env: { LATCHKEY_DEPLOYMENT: "cross-site-token" } });
    assert.equal(code, 0, JSON.stringify(report.checks, null, 1));
    assert.equal(
      report.checks.some((c) => c.id.startsWith("cookie") || c.id === "browser-cookie"),
      false,
      "no cookie check in token mode",
    );
    assert.match(check(report, "token-mode").message, /the cookie checks .* do not apply/);
    assert.match(check(report, "cors-headers").message, /allows the Authorization and Content-Type request headers/);
    assert.match(check(report, "browser-login").message, /token login attempt .* refused only for its made-up/);
  });

  it("logs alice in with a bearer token, calls whoami with it, revokes it and exits 0", {
    timeout: TIMEOUT_MS,
  }, async () => {
    const { code, output, report } = await doctor({ env: { LATCHKEY_DEPLOYMENT: "cross-site-token" }, user: true });
    assert.equal(code, 0, JSON.stringify(report.checks, null, 1));
    assert.match(check(report, "browser-user-login").message, /alice logged in .* POST \/token\/login\/ \(200\)/);
    assert.match(check(report, "browser-whoami").message, /Authorization: Bearer answered as alice/);
    assert.match(check(report, "browser-logout").message, /the token is revoked/);
    assert.equal(output.includes(PASSWORD), false, "the password is never printed");
  });

  it("says the preflight does not allow Authorization when a proxy replaces the allowed headers, and exits 1", {
    timeout: TIMEOUT_MS,
  }, async () => {
    const dropAuthorization = (h: AnswerHeaders): void => {
      if (h["access-control-allow-headers"] !== undefined) h["access-control-allow-headers"] = "Content-Type";
    };
    const { code, report } = await doctor({
      env: { LATCHKEY_DEPLOYMENT: "cross-site-token" },
      rewrite: dropAuthorization,
      user: true,
    });
    assert.equal(code, 1);
    const headers = check(report, "cors-headers");
    assert.equal(headers.status, "fail");
    assert.match(headers.message, /without Authorization: the browser refuses every request that carries the bearer/);
    assert.match(headers.fix ?? "", /Allow the Authorization and Content-Type request headers/);
    assert.equal(check(report, "browser-whoami").status, "fail");
    const refused = check(report, "browser-cors");
    assert.match(refused.message, /Request header field authorization is not allowed by Access-Control-Allow-Headers/);
    assert.match(refused.fix ?? "", /Allow the Authorization and Content-Type request headers/);
  });

  it("says what it sees when --token is given against a cross-site cookie deployment", {
    timeout: TIMEOUT_MS,
  }, async () => {
    const { report } = await doctor({ env: { LATCHKEY_DEPLOYMENT: "cross-site" } });
    const mode = check(report, "token-mode");
    assert.equal(mode.status, "warn");
    assert.match(mode.message, /The API sets cross-site cookies \(.*csrftoken.*\): it looks like a cookie deployment/);
    assert.match(mode.fix ?? "", /run the doctor without --token/);
  });

  it("says bearer tokens are off when the token login route answers 404, and exits 1", {
    timeout: TIMEOUT_MS,
  }, async () => {
    const { code, report } = await doctor({ env: { LATCHKEY_BEARER_ENABLED: "false" } });
    assert.equal(code, 1);
    const login = check(report, "token-login");
    assert.equal(login.status, "fail");
    assert.match(login.message, /answered 404: bearer tokens are off on this API/);
  });
});
