import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { createServerLogger, loadServerConfig, startServer } from "@latchkey/server";

type LogLine = Record<string, unknown>;

const PASSWORD = "correct horse battery staple";

/**
 * Runs `body` against a ready server in this process (SQLite in a temporary folder, logging
 * at info into memory) with the given settings, and resolves to every log line it wrote.
 * The lines are read after a graceful shutdown, when every request's line has been written,
 * so a missing line means it was never going to be written.
 */
async function logsOf(
  overrides: Readonly<Record<string, string>>,
  body: (url: string) => Promise<void>,
): Promise<LogLine[]> {
  const dir = mkdtempSync(join(tmpdir(), "latchkey-access-log-"));
  const lines: LogLine[] = [];
  try {
    const config = loadServerConfig({
      cwd: dir,
      env: {},
      overrides: { host: "127.0.0.1", port: "0", dataDir: dir, logLevel: "info", ...overrides },
    });
    const logger = createServerLogger(config, {
      write: (line: string) => void lines.push(JSON.parse(line) as LogLine),
    });
    const server = await startServer(config, { logger, migrate: true });
    try {
      const created = await server.latchkey.accounts.createUser({
        username: "ada",
        password: PASSWORD,
        email: "ada@example.com",
      });
      assert.ok(created.ok);
      await body(server.url);
    } finally {
      await server.close();
    }
    return lines;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function accessLines(lines: readonly LogLine[]): LogLine[] {
  return lines.filter((line) => line.event === "request");
}

describe("the ready server's access log (accessLog.enabled, accessLog.sampleEvery)", () => {
  it("is off by default in production and on in development, and either can be changed", () => {
    const dir = mkdtempSync(join(tmpdir(), "latchkey-access-log-"));
    try {
      assert.deepEqual(loadServerConfig({ cwd: dir, env: {} }).accessLog, { enabled: true, sampleEvery: 1 });
      assert.deepEqual(loadServerConfig({ cwd: dir, env: { LATCHKEY_MODE: "production" } }).accessLog, {
        enabled: false,
        sampleEvery: 1,
      });
      const on = loadServerConfig({
        cwd: dir,
        env: {
          LATCHKEY_MODE: "production",
          LATCHKEY_ACCESS_LOG_ENABLED: "true",
          LATCHKEY_ACCESS_LOG_SAMPLE_EVERY: "100",
        },
      });
      assert.deepEqual(on.accessLog, { enabled: true, sampleEvery: 100 });
      assert.equal(
        loadServerConfig({ cwd: dir, env: { LATCHKEY_ACCESS_LOG_ENABLED: "false" } }).accessLog.enabled,
        false,
      );
      assert.throws(
        () => loadServerConfig({ cwd: dir, env: { LATCHKEY_ACCESS_LOG_SAMPLE_EVERY: "0" } }),
        /LATCHKEY_ACCESS_LOG_SAMPLE_EVERY="0" \(environment\): must be an integer from 1 to 1000000/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("writes one line per request when on: method, path without query, status and duration", async () => {
    const lines = await logsOf({ "accessLog.enabled": "true" }, async (url) => {
      assert.equal((await fetch(`${url}/api/whoami/?debug=1`)).status, 401);
    });
    const [line, ...more] = accessLines(lines);
    assert.equal(more.length, 0, JSON.stringify(accessLines(lines)));
    assert.equal(line?.method, "GET");
    assert.equal(line?.path, "/api/whoami/");
    assert.equal(line?.status, 401);
    assert.equal(typeof line?.durationMs, "number");
  });

  it("writes no line for any request when off, yet still logs a CSRF refusal and a failed login", async () => {
    const lines = await logsOf({ "accessLog.enabled": "false" }, async (url) => {
      assert.equal((await fetch(`${url}/api/whoami/`)).status, 401);
      // A forged cross-site login: refused by the CSRF Origin check.
      const forged = await fetch(`${url}/api/login/`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: "https://evil.example", "sec-fetch-site": "cross-site" },
        body: JSON.stringify({ username: "ada", password: PASSWORD }),
      });
      assert.equal(forged.status, 403);
      // A wrong password from a client without cookies (a script): refused as a failed login.
      const wrong = await fetch(`${url}/api/token/login/`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "ada", password: "not the password" }),
      });
      assert.equal(wrong.status, 400);
    });
    assert.deepEqual(accessLines(lines), []);
    const refusal = lines.find((line) => line.event === "request_refused" && String(line.code).startsWith("csrf_"));
    assert.ok(refusal, `no CSRF refusal in ${JSON.stringify(lines)}`);
    assert.equal(refusal.level, 40, "CSRF refusals are warnings");
    assert.ok(
      lines.some((line) => line.event === "login_failed" && line.level === 40),
      "failed logins are warnings",
    );
  });

  it("writes the line of exactly one request in every sampleEvery, counted per process", async () => {
    const lines = await logsOf({ "accessLog.enabled": "true", "accessLog.sampleEvery": "3" }, async (url) => {
      for (let i = 0; i < 7; i += 1) assert.equal((await fetch(`${url}/api/whoami/?n=${i}`)).status, 401);
    });
    assert.equal(accessLines(lines).length, 2, JSON.stringify(accessLines(lines)));
  });

  it("writes no line below logLevel info, where the lines would be dropped anyway", async () => {
    const lines = await logsOf({ "accessLog.enabled": "true", logLevel: "warn" }, async (url) => {
      assert.equal((await fetch(`${url}/api/whoami/`)).status, 401);
    });
    assert.deepEqual(accessLines(lines), []);
  });
});
