import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { freePort, requireProgram } from "@latchkey/testkit";
import { startNginx } from "../browser/harness/nginx.js";
import { makeCertificate } from "../browser/harness/tls.js";
import { REPO_ROOT, runLatchkey, startServe, tempDir } from "../server/latchkey-process.js";

// `latchkey doctor` against real `latchkey serve` processes in each deployment configuration
// that runs on loopback, and with the misconfigurations of docs/deployment.md that it must
// name: each gets its specific diagnosis and exit status 1; a working one exits 0.

const TIMEOUT_MS = 90_000;
const APP = "https://app.example.com";

interface Report {
  ok: boolean;
  topology: string;
  checks: { id: string; status: string; message: string; fix?: string }[];
}

/** Starts `latchkey serve` with `env`, runs `latchkey doctor <args>` against it, stops the server. */
async function doctor(
  env: Record<string, string>,
  args: (port: string) => string[],
): Promise<{ code: number | null; report: Report; stderr: string }> {
  const dir = tempDir("latchkey-doctor-");
  const server = await startServe(["--port", "0"], { cwd: dir.path, env });
  try {
    const port = new URL(server.url).port;
    const result = await runLatchkey(["doctor", ...args(port), "--json"], { cwd: dir.path });
    return { code: result.code, report: JSON.parse(result.stdout) as Report, stderr: result.stderr };
  } finally {
    await server.stop();
    dir.cleanup();
  }
}

function status(report: Report, id: string): string | undefined {
  return report.checks.find((c) => c.id === id)?.status;
}

describe("latchkey doctor", () => {
  it("passes a same-origin deployment (mode A) and exits 0", { timeout: TIMEOUT_MS }, async () => {
    const { code, report } = await doctor({}, (port) => [`http://127.0.0.1:${port}/`]);
    assert.equal(code, 0, JSON.stringify(report));
    assert.equal(report.ok, true);
    assert.equal(report.topology, "same-origin");
    assert.equal(status(report, "csrf"), "ok");
    assert.ok(
      report.checks.every((c) => c.status === "ok"),
      JSON.stringify(report.checks),
    );
  });

  it("passes a same-site deployment with the SPA's origin trusted (mode C1)", { timeout: TIMEOUT_MS }, async () => {
    const { code, report } = await doctor({ LATCHKEY_TRUSTED_ORIGINS: "http://localhost:5173" }, (port) => [
      "http://localhost:5173/",
      "--api",
      `http://localhost:${port}/api`,
    ]);
    assert.equal(code, 0, JSON.stringify(report));
    assert.equal(report.topology, "same-site");
    assert.equal(status(report, "cors-origin"), "ok");
    assert.equal(status(report, "csrf"), "ok");
  });

  it("names the missing trusted origin, with the fix, when the SPA's origin is not in trustedOrigins (C2's first failure)", {
    timeout: TIMEOUT_MS,
  }, async () => {
    const { code, report, stderr } = await doctor({}, (port) => [
      "http://localhost:5173/",
      "--api",
      `http://localhost:${port}/api`,
    ]);
    assert.equal(code, 1);
    assert.match(stderr, /login cannot work: cors-origin, csrf failed/);
    const cors = report.checks.find((c) => c.id === "cors-origin");
    assert.equal(cors?.status, "fail");
    assert.match(cors?.fix ?? "", /Add "http:\/\/localhost:5173" to trustedOrigins/);
    assert.match(report.checks.find((c) => c.id === "csrf")?.message ?? "", /untrusted origin http:\/\/localhost:5173/);
  });

  it('passes a cross-site deployment with the "cross-site" preset (mode D1, partitioned cookies)', {
    timeout: TIMEOUT_MS,
  }, async () => {
    const { code, report } = await doctor(
      { LATCHKEY_DEPLOYMENT: "cross-site", LATCHKEY_TRUSTED_ORIGINS: APP },
      (port) => [`${APP}/`, "--api", `http://127.0.0.1:${port}/api`],
    );
    assert.equal(code, 0, JSON.stringify(report));
    assert.equal(report.topology, "cross-site");
    assert.equal(status(report, "cookies"), "ok");
    assert.equal(status(report, "csrf"), "ok");
  });

  it("fails a cross-site deployment whose cookies are SameSite=Lax and not Secure, saying why", {
    timeout: TIMEOUT_MS,
  }, async () => {
    const { code, report } = await doctor({ LATCHKEY_TRUSTED_ORIGINS: APP }, (port) => [
      `${APP}/`,
      "--api",
      `http://127.0.0.1:${port}/api`,
    ]);
    assert.equal(code, 1);
    assert.equal(status(report, "cors-origin"), "ok");
    assert.equal(status(report, "cookie-samesite"), "fail");
    assert.equal(status(report, "cookie-secure"), "fail");
    assert.match(
      report.checks.find((c) => c.id === "cookie-samesite")?.message ?? "",
      /SameSite=lax: the browser does not send them on the SPA's cross-site requests/,
    );
  });

  it("warns that cookies without Partitioned are dropped where third-party cookies are blocked (D1 without partitioned = D2)", {
    timeout: TIMEOUT_MS,
  }, async () => {
    const { code, report } = await doctor(
      { LATCHKEY_TRUSTED_ORIGINS: APP, LATCHKEY_COOKIES_SAME_SITE: "none", LATCHKEY_COOKIES_SECURE: "always" },
      (port) => [`${APP}/`, "--api", `http://127.0.0.1:${port}/api`],
    );
    assert.equal(code, 0, "it works where third-party cookies are allowed");
    assert.equal(status(report, "cookie-partitioned"), "warn");
  });

  it("says when it cannot reach the API at all", { timeout: TIMEOUT_MS }, async () => {
    const dir = tempDir("latchkey-doctor-");
    try {
      const result = await runLatchkey(["doctor", "http://127.0.0.1:9/"], { cwd: dir.path });
      assert.equal(result.code, 1);
      assert.match(result.stderr, /cannot reach the API at http:\/\/127\.0\.0\.1:9\/api/);
    } finally {
      dir.cleanup();
    }
  });
});

describe("latchkey doctor behind a real nginx terminating TLS (mode B)", {
  skip: requireProgram("nginx", "openssl"),
}, () => {
  /** latchkey behind the shipped docs/deploy/nginx-same-origin.conf; the doctor trusts the self-signed certificate. */
  async function behindNginx(
    env: Record<string, string>,
    upstream: (latchkeyHost: string) => Promise<string> | string = (host) => host,
  ): Promise<{ code: number | null; report: Report }> {
    const dir = tempDir("latchkey-doctor-tls-");
    const server = await startServe(["--port", "0"], { cwd: dir.path, env });
    try {
      for (const folder of ["tls", "nginx", "spa"]) mkdirSync(join(dir.path, folder));
      writeFileSync(join(dir.path, "spa", "index.html"), "<!doctype html><title>SPA</title>");
      const certificate = await makeCertificate(join(dir.path, "tls"));
      const port = await freePort();
      const nginx = await startNginx({
        dir: join(dir.path, "nginx"),
        templateFile: join(REPO_ROOT, "docs", "deploy", "nginx-same-origin.conf"),
        port,
        values: {
          LISTEN: `127.0.0.1:${port}`,
          SERVER_NAME: "localhost",
          SPA_ROOT: join(dir.path, "spa"),
          LATCHKEY_UPSTREAM: await upstream(new URL(server.url).host),
          TLS_CERTIFICATE: certificate.certFile,
          TLS_CERTIFICATE_KEY: certificate.keyFile,
        },
      });
      try {
        const result = await runLatchkey(["doctor", `https://localhost:${port}/`, "--json"], {
          cwd: dir.path,
          env: { NODE_EXTRA_CA_CERTS: certificate.certFile },
        });
        return { code: result.code, report: JSON.parse(result.stdout) as Report };
      } finally {
        await nginx.stop();
      }
    } finally {
      await server.stop();
      dir.cleanup();
    }
  }

  it("says a proxy terminates TLS but latchkey does not trust it, with the fix", { timeout: TIMEOUT_MS }, async () => {
    const { code, report } = await behindNginx({});
    assert.equal(code, 1, JSON.stringify(report));
    const proxy = report.checks.find((c) => c.id === "proxy");
    assert.equal(proxy?.status, "fail", JSON.stringify(report.checks));
    assert.match(proxy?.fix ?? "", /Set trustProxy to the number of proxies in front/);
  });

  it("says the proxy strips the path, with the fix, when proxy_pass has a trailing slash", {
    timeout: TIMEOUT_MS,
  }, async () => {
    const { code, report } = await behindNginx({ LATCHKEY_DEPLOYMENT: "reverse-proxy" }, (host) => `${host}/`);
    assert.equal(code, 1);
    const answer = report.checks.find((c) => c.id === "api-answer");
    assert.equal(answer?.status, "fail", JSON.stringify(report.checks));
    assert.match(
      answer?.message ?? "",
      /answered 404: .*a proxy in front strips the path \(nginx proxy_pass with a trailing slash turns \/api\/csrf\/ into \/csrf\/\)/,
    );
    assert.match(answer?.fix ?? "", /proxy_pass without a trailing slash/);
  });

  it("says the proxy cannot reach latchkey when nothing listens at its upstream (502)", {
    timeout: TIMEOUT_MS,
  }, async () => {
    const { code, report } = await behindNginx(
      { LATCHKEY_DEPLOYMENT: "reverse-proxy" },
      async () => `127.0.0.1:${await freePort()}`,
    );
    assert.equal(code, 1);
    const answer = report.checks.find((c) => c.id === "api-answer");
    assert.equal(answer?.status, "fail", JSON.stringify(report.checks));
    assert.match(answer?.message ?? "", /answered 502: the proxy in front cannot reach latchkey/);
    assert.match(answer?.fix ?? "", /Start latchkey/);
  });

  it('passes the same deployment with the "reverse-proxy" preset', { timeout: TIMEOUT_MS }, async () => {
    const { code, report } = await behindNginx({ LATCHKEY_DEPLOYMENT: "reverse-proxy" });
    assert.equal(code, 0, JSON.stringify(report.checks));
    assert.equal(report.topology, "same-origin");
    assert.equal(status(report, "tls"), "ok");
    assert.equal(status(report, "csrf"), "ok");
  });
});
