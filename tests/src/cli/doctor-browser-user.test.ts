import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { browserTestSkip } from "../browser/harness/browser.js";
import { runLatchkey, startServe, tempDir } from "../server/latchkey-process.js";
import { startHeaderProxy, type AnswerHeaders } from "./header-proxy.js";
import { type DoctorCheck, type DoctorReport, spaPage } from "./doctor-harness.js";

// `latchkey doctor --browser --user NAME`: Debian's Chromium logs a real user in from the
// SPA's page against a real `latchkey serve` (a real SQLite database, the user made with
// `latchkey createsuperuser`), calls whoami and logs out; the report says whether the session
// cookie was stored and sent, with Chromium's reason when it was not, and what the login
// answer means. The SPA is a page on http://localhost:<port>.

const TIMEOUT_MS = 120_000;
const PASSWORD = "correct horse battery staple";

describe("latchkey doctor --browser --user", { skip: browserTestSkip("chromium") }, () => {
  const spa = spaPage();

  /**
   * A server with the user alice (behind a proxy applying `rewrite`, if given); runs the doctor as `user` with
   * `password` in the environment.
   */
  async function doctor(options: {
    env?: Record<string, string>;
    rewrite?: (headers: AnswerHeaders, method: string) => void;
    apiHost?: string;
    user?: string;
    password?: string;
  }): Promise<{ code: number | null; stdout: string; stderr: string; report: DoctorReport | null }> {
    const dir = tempDir("latchkey-doctor-user-");
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
      const api = (proxy?.url ?? server.url).replace("127.0.0.1", options.apiHost ?? "127.0.0.1");
      const result = await runLatchkey(
        ["doctor", `${spa.origin()}/`, "--api", `${api}/api`, "--browser", "--user", options.user ?? "alice", "--json"],
        {
          cwd: dir.path,
          env: {
            HOME: dir.path,
            ...(options.password === undefined ? {} : { LATCHKEY_DOCTOR_PASSWORD: options.password }),
          },
        },
      );
      const report = result.stdout.startsWith("{") ? (JSON.parse(result.stdout) as DoctorReport) : null;
      if (options.password !== undefined) assert.ok(report, result.stderr);
      return { ...result, report };
    } finally {
      await proxy?.stop();
      await server.stop();
      dir.cleanup();
    }
  }

  const check = (report: DoctorReport | null, id: string): DoctorCheck => {
    const found = report?.checks.find((c) => c.id === id);
    assert.ok(found, `no ${id} check in ${JSON.stringify(report?.checks, null, 1)}`);
    return found;
  };

  it("logs in, finds the session cookie stored and sent, logs out, and exits 0 on a cross-site deployment done right", {
    timeout: TIMEOUT_MS,
  }, async () => {
    const { code, stdout, stderr, report } = await doctor({
      env: { LATCHKEY_DEPLOYMENT: "cross-site" },
      password: PASSWORD,
    });
    assert.equal(code, 0, stderr + JSON.stringify(report?.checks, null, 1));
    assert.match(
      check(report, "browser-user-login").message,
      /In Chromium, alice logged in from the SPA's page \(200\)/,
    );
    assert.equal(check(report, "browser-session-cookie").status, "ok");
    assert.match(check(report, "browser-session-cookie").message, /Chromium stored the session cookie sessionid/);
    assert.match(
      check(report, "browser-whoami").message,
      /whoami answered as alice: Chromium sent the session cookie back/,
    );
    assert.equal(check(report, "browser-logout").status, "ok");
    assert.equal(`${stdout}${stderr}`.includes(PASSWORD), false, "the password is never printed");
  });

  it("names Chromium's reason when it refuses the session cookie (SameSite=None stripped of Secure by a proxy) and exits 1", {
    timeout: TIMEOUT_MS,
  }, async () => {
    // The CSRF cookie keeps Secure, so the login itself passes: only the session cookie is lost.
    const stripSessionSecure = (h: AnswerHeaders): void => {
      h["set-cookie"] = h["set-cookie"]?.map((line) =>
        line.startsWith("sessionid=") ? line.replace(/; Secure/i, "") : line,
      );
    };
    const { code, report } = await doctor({
      env: { LATCHKEY_COOKIES_SAME_SITE: "none", LATCHKEY_COOKIES_SECURE: "always" },
      rewrite: stripSessionSecure,
      apiHost: "localhost",
      password: PASSWORD,
    });
    assert.equal(code, 1);
    assert.equal(check(report, "browser-user-login").status, "ok", "the login answer itself is 200");
    const refused = report?.checks.find(
      (c) =>
        c.id === "browser-cookie" &&
        /refused to store the cookie sessionid: it is SameSite=None without Secure, which Chromium refuses \(SameSiteNoneInsecure\)/.test(
          c.message,
        ),
    );
    assert.ok(refused, JSON.stringify(report?.checks, null, 1));
    assert.match(refused.fix ?? "", /cookies\.secure "always"/);
    assert.equal(check(report, "browser-session-cookie").status, "fail");
    assert.match(
      check(report, "browser-session-cookie").message,
      /Chromium did not store the session cookie sessionid/,
    );
    assert.equal(check(report, "browser-whoami").status, "fail");
    assert.match(
      check(report, "browser-whoami").message,
      /whoami answered 401: Chromium did not send the session cookie back/,
    );
  });

  it("says plainly that the password is wrong, and exits 1", { timeout: TIMEOUT_MS }, async () => {
    const { code, stderr, report } = await doctor({ password: "not the password", apiHost: "localhost" });
    assert.equal(code, 1);
    const login = check(report, "browser-user-login");
    assert.equal(login.status, "fail");
    assert.match(
      login.message,
      /alice cannot log in: the API does not accept this username and password for alice: answered 400 "Invalid credentials\." \(invalid_credentials\)/,
    );
    assert.match(login.fix ?? "", /LATCHKEY_DOCTOR_PASSWORD/);
    assert.equal(
      report?.checks.some((c) => c.id === "browser-whoami"),
      false,
      "no whoami without a session",
    );
    assert.match(stderr, /login cannot work: browser-user-login failed/);
  });

  it("refuses to run without LATCHKEY_DOCTOR_PASSWORD, and --user without --browser", {
    timeout: TIMEOUT_MS,
  }, async () => {
    const { code, stdout, stderr } = await doctor({});
    assert.equal(code, 1);
    assert.equal(stdout, "");
    assert.match(
      stderr,
      /--user alice needs the user's password in the environment variable LATCHKEY_DOCTOR_PASSWORD \(never a flag, so it stays out of shell history and the process list\); it is unset\./,
    );
    const dir = tempDir("latchkey-doctor-user-");
    try {
      const noBrowser = await runLatchkey(["doctor", `${spa.origin()}/`, "--user", "alice"], {
        cwd: dir.path,
        env: { LATCHKEY_DOCTOR_PASSWORD: PASSWORD },
      });
      assert.equal(noBrowser.code, 1);
      assert.match(noBrowser.stderr, /--user logs in from the SPA's page in Chromium: add --browser\./);
    } finally {
      dir.cleanup();
    }
  });
});
