import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { requireProgram } from "@latchkey/testkit";
import { makeCertificate, type Certificate } from "../browser/harness/tls.js";
import { runLatchkey, startServe, tempDir, type ServeProcess } from "../server/latchkey-process.js";
import { startHeaderProxy, type AnswerHeaders } from "./header-proxy.js";
import type { DoctorCheck, DoctorReport } from "./doctor-harness.js";

// Each of `latchkey doctor`'s header checks against a real `latchkey serve` behind a real
// proxy that gets one thing wrong (drops HSTS, runs on a wrong clock, strips a CORS header
// or Vary, adds a Domain to a __Host- cookie), and against the same deployment done right.

const TIMEOUT_MS = 90_000;
const APP = "https://app.example.com";

/** One latchkey server for a describe block, and `doctor` runs through a fresh proxy per test. */
function deployment(
  env: Record<string, string>,
  tls: () => Promise<Certificate | undefined>,
): {
  doctor(
    rewrite: (headers: AnswerHeaders, method: string) => void,
    args: (proxyUrl: string) => string[],
  ): Promise<{ code: number | null; report: DoctorReport }>;
} {
  const dir = tempDir("latchkey-doctor-checks-");
  let server: ServeProcess | undefined;
  let certificate: Certificate | undefined;
  before(async () => {
    certificate = await tls();
    server = await startServe(["--port", "0"], { cwd: dir.path, env });
  });
  after(async () => {
    await server?.stop();
    dir.cleanup();
  });
  return {
    async doctor(rewrite, args) {
      assert.ok(server);
      const proxy = await startHeaderProxy({
        upstream: server.url,
        rewrite,
        ...(certificate === undefined ? {} : { tls: certificate }),
      });
      try {
        const result = await runLatchkey(["doctor", ...args(proxy.url), "--json"], {
          cwd: dir.path,
          env: certificate === undefined ? {} : { NODE_EXTRA_CA_CERTS: certificate.certFile },
        });
        assert.ok(result.stdout.startsWith("{"), result.stderr);
        return { code: result.code, report: JSON.parse(result.stdout) as DoctorReport };
      } finally {
        await proxy.stop();
      }
    },
  };
}

function check(report: DoctorReport, id: string): DoctorCheck {
  const found = report.checks.find((c) => c.id === id);
  assert.ok(found, `no ${id} check in ${JSON.stringify(report.checks)}`);
  return found;
}

const unchanged = (): void => undefined;

describe("latchkey doctor's HSTS check, behind a TLS proxy", { skip: requireProgram("openssl") }, () => {
  const dir = tempDir("latchkey-doctor-tls-");
  after(() => dir.cleanup());
  const api = deployment({ LATCHKEY_DEPLOYMENT: "reverse-proxy" }, () => makeCertificate(dir.path, ["localhost"]));
  const sameOrigin = (url: string): string[] => [`${url}/`];

  it("warns, with the fix, when the proxy sends no Strict-Transport-Security", { timeout: TIMEOUT_MS }, async () => {
    const { code, report } = await api.doctor((h) => void delete h["strict-transport-security"], sameOrigin);
    const hsts = check(report, "hsts");
    assert.equal(hsts.status, "warn");
    assert.match(hsts.message, /No Strict-Transport-Security header: a first visit over http can be intercepted/);
    assert.match(hsts.fix ?? "", /max-age=31536000/);
    assert.equal(code, 0, "a warning alone does not stop login");
  });

  it("warns when HSTS lapses within days or is switched off with max-age=0", { timeout: TIMEOUT_MS }, async () => {
    const short = await api.doctor((h) => void (h["strict-transport-security"] = "max-age=300"), sameOrigin);
    assert.equal(check(short.report, "hsts").status, "warn");
    assert.match(check(short.report, "hsts").message, /max-age=300 \(0 days\) lapses between visits/);
    const off = await api.doctor(
      (h) => void (h["strict-transport-security"] = "max-age=0; includeSubDomains"),
      sameOrigin,
    );
    assert.match(check(off.report, "hsts").message, /max-age=0 tells browsers to forget HSTS/);
  });

  it("passes a proxy that sends a year of HSTS", { timeout: TIMEOUT_MS }, async () => {
    const { code, report } = await api.doctor(
      (h) => void (h["strict-transport-security"] = "max-age=31536000; includeSubDomains"),
      sameOrigin,
    );
    assert.equal(check(report, "hsts").status, "ok");
    assert.equal(code, 0, JSON.stringify(report.checks));
  });
});

describe("latchkey doctor's clock and CORS checks, for a cross-site SPA", () => {
  const api = deployment({ LATCHKEY_DEPLOYMENT: "cross-site", LATCHKEY_TRUSTED_ORIGINS: APP }, async () => undefined);
  const crossSite = (url: string): string[] => [`${APP}/`, "--api", `${url}/api`];

  it("passes the deployment done right: clock, credentials, allowed and exposed headers, Vary all ok", {
    timeout: TIMEOUT_MS,
  }, async () => {
    const { code, report } = await api.doctor(unchanged, crossSite);
    assert.equal(code, 0, JSON.stringify(report.checks));
    for (const id of ["clock", "cors-origin", "cors-credentials", "cors-headers", "cors-expose", "cors-vary", "csrf"])
      assert.equal(check(report, id).status, "ok", id);
  });

  it("says how far off the server's clock is when its Date is two hours ahead", { timeout: TIMEOUT_MS }, async () => {
    const { report } = await api.doctor(
      (h) => void (h.date = new Date(Date.now() + 2 * 3_600_000).toUTCString()),
      crossSite,
    );
    const clock = check(report, "clock");
    assert.equal(clock.status, "warn");
    assert.match(clock.message, /The server's clock is 7[12]\d\d s off from this machine's/);
    assert.match(clock.fix ?? "", /NTP/);
  });

  it("fails when a CORS layer drops Access-Control-Allow-Credentials", { timeout: TIMEOUT_MS }, async () => {
    const { code, report } = await api.doctor((h) => void delete h["access-control-allow-credentials"], crossSite);
    assert.equal(code, 1);
    assert.equal(check(report, "cors-credentials").status, "fail");
    assert.match(check(report, "cors-credentials").message, /lacks Access-Control-Allow-Credentials: true/);
  });

  it("fails when the preflight does not allow the X-CSRFToken request header", { timeout: TIMEOUT_MS }, async () => {
    const { code, report } = await api.doctor(
      (h, method) => void (method === "OPTIONS" && (h["access-control-allow-headers"] = "content-type")),
      crossSite,
    );
    assert.equal(code, 1);
    const headers = check(report, "cors-headers");
    assert.equal(headers.status, "fail");
    assert.match(headers.message, /allows the request headers "content-type", not both X-CSRFToken and Content-Type/);
  });

  it("fails when X-CSRFToken is not exposed to the SPA", { timeout: TIMEOUT_MS }, async () => {
    const { code, report } = await api.doctor((h) => void delete h["access-control-expose-headers"], crossSite);
    assert.equal(code, 1);
    assert.equal(check(report, "cors-expose").status, "fail");
    assert.match(check(report, "cors-expose").fix ?? "", /Expose X-CSRFToken/);
  });

  it("warns when a proxy drops Vary: Origin", { timeout: TIMEOUT_MS }, async () => {
    const { code, report } = await api.doctor((h) => void delete h.vary, crossSite);
    assert.equal(check(report, "cors-vary").status, "warn");
    assert.match(check(report, "cors-vary").message, /a cache may serve one origin's CORS answer to another/);
    assert.equal(code, 0, "a warning alone does not stop login");
  });
});

describe("latchkey doctor's __Host- prefix check", () => {
  const api = deployment(
    { LATCHKEY_CSRF_COOKIE_NAME: "__Host-csrftoken", LATCHKEY_COOKIES_SECURE: "always" },
    async () => undefined,
  );
  const sameOrigin = (url: string): string[] => [`${url}/`];
  const rewriteCookies =
    (edit: (line: string) => string) =>
    (h: AnswerHeaders): void => {
      h["set-cookie"] = h["set-cookie"]?.map(edit);
    };

  it("passes a __Host- cookie that is Secure, Path=/ and has no Domain", { timeout: TIMEOUT_MS }, async () => {
    const { code, report } = await api.doctor(unchanged, sameOrigin);
    assert.equal(code, 0, JSON.stringify(report.checks));
    assert.equal(
      report.checks.some((c) => c.id === "cookie-host-prefix"),
      false,
    );
    assert.equal(check(report, "csrf").status, "ok", "the renamed CSRF cookie is found and used");
  });

  it("fails, naming each broken rule, when a proxy adds a Domain and narrows the Path of a __Host- cookie", {
    timeout: TIMEOUT_MS,
  }, async () => {
    const { code, report } = await api.doctor(
      rewriteCookies((line) => `${line.replace("Path=/", "Path=/api")}; Domain=127.0.0.1`),
      sameOrigin,
    );
    assert.equal(code, 1);
    const prefix = check(report, "cookie-host-prefix");
    assert.equal(prefix.status, "fail");
    assert.match(
      prefix.message,
      /__Host-csrftoken breaks the __Host- rules \(Secure, Path=\/, no Domain\): its Path is "\/api", not \/, it has Domain=127\.0\.0\.1/,
    );
  });

  it("fails when a proxy strips Secure from a __Host- cookie", { timeout: TIMEOUT_MS }, async () => {
    const { report } = await api.doctor(
      rewriteCookies((line) => line.replace(/; Secure/i, "")),
      sameOrigin,
    );
    assert.match(check(report, "cookie-host-prefix").message, /it is not Secure/);
  });
});
