import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { browserTestSkip } from "../browser/harness/browser.js";
import { runLatchkey, startServe, tempDir } from "../server/latchkey-process.js";
import { startHeaderProxy, type AnswerHeaders } from "./header-proxy.js";
import { type DoctorCheck, type DoctorReport, spaPage } from "./doctor-harness.js";

// `latchkey doctor --browser`: Debian's Chromium opens the SPA's page and runs its CSRF fetch
// and a login attempt against real `latchkey serve` processes, some behind a real proxy that
// gets one thing wrong; the report carries Chromium's own reason for each refused cookie and
// each CORS refusal, in words with the fix. The SPA is a page on http://localhost:<port>, the
// API on http://127.0.0.1:<port>: two sites, as app.example.com and api.example.net would be.

const TIMEOUT_MS = 120_000;

describe("latchkey doctor --browser", { skip: browserTestSkip("chromium") }, () => {
  const spa = spaPage();

  /**
   * Starts `latchkey serve` with `env` (behind a proxy applying `rewrite`, if given) and runs the doctor with --browser
   * from the SPA's page.
   */
  async function doctor(
    env: Record<string, string>,
    rewrite?: (headers: AnswerHeaders, method: string) => void,
    spaUrl?: (apiUrl: string) => string,
    apiHost = "127.0.0.1",
  ): Promise<{ code: number | null; report: DoctorReport; stderr: string }> {
    const dir = tempDir("latchkey-doctor-browser-");
    mkdirSync(join(dir.path, "spa"));
    writeFileSync(
      join(dir.path, "spa", "index.html"),
      "<!doctype html><title>SPA</title><p>The SPA, served by latchkey",
    );
    const server = await startServe(["--port", "0", "--spa", join(dir.path, "spa")], {
      cwd: dir.path,
      env: { LATCHKEY_TRUSTED_ORIGINS: spa.origin(), ...env },
    });
    const proxy = rewrite === undefined ? null : await startHeaderProxy({ upstream: server.url, rewrite });
    try {
      const api = (proxy?.url ?? server.url).replace("127.0.0.1", apiHost);
      const page = spaUrl === undefined ? `${spa.origin()}/` : spaUrl(api);
      const result = await runLatchkey(["doctor", page, "--api", `${api}/api`, "--browser", "--json"], {
        cwd: dir.path,
        env: { HOME: dir.path },
      });
      assert.ok(result.stdout.startsWith("{"), result.stderr);
      return { code: result.code, report: JSON.parse(result.stdout) as DoctorReport, stderr: result.stderr };
    } finally {
      await proxy?.stop();
      await server.stop();
      dir.cleanup();
    }
  }

  const found = (report: DoctorReport, id: string, pattern: RegExp): DoctorCheck => {
    const check = report.checks.find((c) => c.id === id && pattern.test(c.message));
    assert.ok(check, `no ${id} check matching ${pattern} in ${JSON.stringify(report.checks, null, 1)}`);
    return check;
  };

  it("passes a same-origin deployment: Chromium's login attempt gets past CSRF and fails only on the made-up credentials", {
    timeout: TIMEOUT_MS,
  }, async () => {
    const { code, report } = await doctor({}, undefined, (api) => `${api}/`);
    assert.equal(code, 0, JSON.stringify(report.checks));
    assert.equal(found(report, "browser-login", /passed the CSRF checks/).status, "ok");
    assert.equal(
      report.checks.some((c) => c.id.startsWith("browser-") && c.status !== "ok"),
      false,
    );
  });

  it('passes a cross-site deployment with the "cross-site" preset: partitioned cookies are stored and sent by Chromium', {
    timeout: TIMEOUT_MS,
  }, async () => {
    const { code, report } = await doctor({ LATCHKEY_DEPLOYMENT: "cross-site" });
    assert.equal(code, 0, JSON.stringify(report.checks));
    assert.equal(found(report, "browser-login", /passed the CSRF checks/).status, "ok");
  });

  const stripSecure = (h: AnswerHeaders): void => {
    h["set-cookie"] = h["set-cookie"]?.map((line) => line.replace(/; Secure/i, ""));
  };

  it("reports Chromium refusing a SameSite=None cookie that a proxy stripped of Secure, with the fix (same site: localhost:a → localhost:b)", {
    timeout: TIMEOUT_MS,
  }, async () => {
    const { code, report } = await doctor({ LATCHKEY_COOKIES_SAME_SITE: "none" }, stripSecure, undefined, "localhost");
    assert.equal(code, 1);
    const refused = found(
      report,
      "browser-cookie",
      /Chromium refused to store the cookie csrftoken: it is SameSite=None without Secure, which Chromium refuses \(SameSiteNoneInsecure\)/,
    );
    assert.equal(refused.status, "fail");
    assert.match(refused.fix ?? "", /cookies\.secure "always"/);
    assert.equal(report.checks.find((c) => c.id === "cookie-secure")?.status, "fail", "the HTTP probe names it too");
    assert.equal(
      found(report, "browser-login", /answered 403.*csrf_cookie_missing.*The refused cookies above are why/).status,
      "fail",
    );
  });

  it("reports a Partitioned cookie stripped of Secure, which Chromium drops without giving a reason", {
    timeout: TIMEOUT_MS,
  }, async () => {
    const { code, report } = await doctor({ LATCHKEY_DEPLOYMENT: "cross-site" }, stripSecure);
    assert.equal(code, 1);
    const dropped = found(
      report,
      "browser-cookie",
      /Chromium dropped the cookie csrftoken without giving a reason: it is Partitioned but not Secure/,
    );
    assert.match(dropped.fix ?? "", /no proxy strips Secure/);
    assert.equal(found(report, "browser-login", /answered 403/).status, "fail");
  });

  it("reports Chromium blocking an unpartitioned third-party cookie, which the HTTP probe can only warn about", {
    timeout: TIMEOUT_MS,
  }, async () => {
    const { code, report } = await doctor({ LATCHKEY_COOKIES_SAME_SITE: "none", LATCHKEY_COOKIES_SECURE: "always" });
    assert.equal(code, 1);
    assert.equal(report.checks.find((c) => c.id === "cookie-partitioned")?.status, "warn");
    const refused = found(
      report,
      "browser-cookie",
      /Chromium refused to store the cookie csrftoken: .*third-party cookies/,
    );
    assert.match(refused.fix ?? "", /cookies\.partitioned true/);
  });

  it("reports Chromium refusing the cookies when the SPA is on localhost and the API on 127.0.0.1 with the default SameSite=Lax (C1's mix-up)", {
    timeout: TIMEOUT_MS,
  }, async () => {
    const { code, report } = await doctor({});
    assert.equal(code, 1);
    assert.equal(
      report.checks.find((c) => c.id === "cookie-samesite")?.status,
      "fail",
      "the HTTP probe sees two sites",
    );
    const refused = found(report, "browser-cookie", /Chromium (refused to store|did not send) the cookie csrftoken/);
    assert.equal(refused.status, "fail");
    assert.match(refused.fix ?? "", /serve the SPA and the API from one site|put the API on the SPA's site/);
    assert.equal(found(report, "browser-login", /answered 403.*csrf_cookie_missing/).status, "fail");
  });

  it("reports Chromium's CORS refusal, naming the origin to trust, when the SPA's origin is missing from trustedOrigins (C2)", {
    timeout: TIMEOUT_MS,
  }, async () => {
    const { code, report } = await doctor(
      { LATCHKEY_TRUSTED_ORIGINS: "https://elsewhere.example.com" },
      undefined,
      undefined,
      "localhost",
    );
    assert.equal(code, 1);
    const cors = found(
      report,
      "browser-cors",
      /Chromium refused the API's answer: .*CORS policy.*Access-Control-Allow-Origin/,
    );
    assert.match(cors.fix ?? "", new RegExp(`Add "${spa.origin()}" to trustedOrigins`));
  });

  it("reports Chromium's CORS refusal when a CORS layer drops Access-Control-Allow-Credentials", {
    timeout: TIMEOUT_MS,
  }, async () => {
    const { code, report } = await doctor(
      { LATCHKEY_DEPLOYMENT: "cross-site" },
      (h) => void delete h["access-control-allow-credentials"],
    );
    assert.equal(code, 1);
    const cors = found(
      report,
      "browser-cors",
      /Chromium refused the API's answer: .*CORS policy.*Access-Control-Allow-Credentials/,
    );
    assert.equal(cors.status, "fail");
    assert.match(cors.fix ?? "", /Allow credentials/);
  });

  it("says plainly when there is no Chromium at the given path", { timeout: TIMEOUT_MS }, async () => {
    const dir = tempDir("latchkey-doctor-browser-");
    const server = await startServe(["--port", "0"], { cwd: dir.path });
    try {
      const result = await runLatchkey(
        ["doctor", `${server.url}/`, "--browser", "--chromium", "/nonexistent/chromium"],
        { cwd: dir.path },
      );
      assert.equal(result.code, 1);
      assert.match(
        result.stderr,
        /--browser needs Chromium, and there is none at \/nonexistent\/chromium\. Install it \(apt-get install chromium\) or pass --chromium <path>\./,
      );
    } finally {
      await server.stop();
      dir.cleanup();
    }
  });
});
