import assert from "node:assert/strict";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createTestClient } from "@latchkey/testkit";
import { runLatchkey, startServe, tempDir, type ServeProcess } from "./latchkey-process.js";

const INDEX_HTML = "<!doctype html><title>spa</title><div id=root></div>";
const ASSET = "index-BdP3x8kQ.js";
const PASSWORD = "correct horse battery staple";

/** A temp folder with a built-SPA look-alike and a migrated database holding user alice. */
async function fixture(): Promise<{ dir: string; cleanup(): void }> {
  const dir = tempDir("latchkey-serve-");
  mkdirSync(join(dir.path, "dist", "assets"), { recursive: true });
  writeFileSync(join(dir.path, "dist", "index.html"), INDEX_HTML);
  writeFileSync(join(dir.path, "dist", "assets", ASSET), "console.log('spa');\n");
  writeFileSync(join(dir.path, "dist", "robots.txt"), "User-agent: *\n");
  writeFileSync(join(dir.path, "dist", ".env"), "SECRET=1\n");
  const created = await runLatchkey(["migrate"], { cwd: dir.path });
  assert.equal(created.code, 0, created.stderr);
  const user = await runLatchkey(
    ["createsuperuser", "--noinput", "--username", "alice", "--email", "alice@example.com"],
    {
      cwd: dir.path,
      env: { LATCHKEY_SUPERUSER_PASSWORD: PASSWORD },
    },
  );
  assert.equal(user.code, 0, user.stderr);
  return { dir: dir.path, cleanup: dir.cleanup };
}

describe("latchkey serve with a built SPA (deployment mode A)", () => {
  let dir: { dir: string; cleanup(): void };
  let server: ServeProcess;
  before(async () => {
    dir = await fixture();
    server = await startServe(["--port", "0", "--spa", "dist"], { cwd: dir.dir });
  });
  after(async () => {
    await server?.stop();
    dir?.cleanup();
  });

  it("serves index.html on the first page load with the CSRF cookie and security headers", async () => {
    const res = await fetch(`${server.url}/`, { headers: { accept: "text/html" } });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), INDEX_HTML);
    assert.equal(res.headers.get("content-type"), "text/html; charset=utf-8");
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith("csrftoken="));
    assert.ok(cookie, "the SPA finds csrftoken on its first load");
    assert.match(cookie, /SameSite=Lax/);
    assert.doesNotMatch(cookie, /HttpOnly/, "the SPA must be able to read the CSRF cookie");
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    assert.equal(res.headers.get("referrer-policy"), "same-origin");
    assert.equal(res.headers.get("x-frame-options"), "DENY");
    assert.equal(res.headers.get("content-security-policy"), "frame-ancestors 'none'");
  });

  it("does not replace a CSRF cookie the browser already has", async () => {
    const res = await fetch(`${server.url}/`, {
      headers: { accept: "text/html", cookie: "csrftoken=abcdefghijklmnopqrstuvwxyzABCDEF" },
    });
    assert.equal(res.status, 200);
    assert.deepEqual(res.headers.getSetCookie(), []);
  });

  it("serves hashed assets as immutable and other files for revalidation", async () => {
    const asset = await fetch(`${server.url}/assets/${ASSET}`);
    assert.equal(asset.status, 200);
    assert.equal(await asset.text(), "console.log('spa');\n");
    assert.match(asset.headers.get("content-type") ?? "", /javascript/);
    assert.equal(asset.headers.get("cache-control"), "public, max-age=31536000, immutable");
    const robots = await fetch(`${server.url}/robots.txt`);
    assert.equal(robots.status, 200);
    assert.equal(robots.headers.get("cache-control"), "no-cache");
  });

  it("answers client-side routes with index.html", async () => {
    for (const path of ["/dashboard", "/users/42/settings", "/login?next=/x"]) {
      const res = await fetch(server.url + path, { headers: { accept: "text/html,application/xhtml+xml" } });
      assert.equal(res.status, 200, path);
      assert.equal(await res.text(), INDEX_HTML, path);
    }
    const head = await fetch(`${server.url}/dashboard`, { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), "");
  });

  it("answers a missing asset and a dotfile with 404, not index.html", async () => {
    for (const path of ["/assets/missing-Ab12Cd34.js", "/.env", "/%2eenv"]) {
      const res = await fetch(server.url + path);
      assert.equal(res.status, 404, path);
      assert.deepEqual(await res.json(), { detail: "Not found.", code: "not_found" }, path);
    }
  });

  it("answers unknown paths under /api with a JSON 404, even for browsers asking for HTML", async () => {
    for (const path of ["/api/nope", "/api/users/1/", "/api"]) {
      const res = await fetch(server.url + path, { headers: { accept: "text/html" } });
      assert.equal(res.status, 404, path);
      assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
      assert.deepEqual(await res.json(), { detail: "Not found.", code: "not_found" });
    }
  });

  it("refuses other methods on SPA paths with 405", async () => {
    const res = await fetch(`${server.url}/dashboard`, { method: "POST" });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get("allow"), "GET, HEAD");
  });

  it("runs the whole session flow: CSRF, login, whoami, logout", async () => {
    const client = createTestClient(server.url);
    const page = await client.get("/");
    assert.equal(page.status, 200);
    assert.ok(client.cookie("csrftoken"));
    const login = await client.login("alice", PASSWORD);
    assert.equal(login.status, 200, login.text);
    assert.ok(client.cookie("sessionid"));
    const whoami = await client.get("/api/whoami/");
    assert.equal(whoami.status, 200);
    assert.equal(whoami.json.username, "alice");
    assert.equal(whoami.json.isStaff, true);
    const logout = await client.post("/api/logout/", { headers: { "x-csrftoken": client.csrfToken ?? "" } });
    assert.equal(logout.status, 200, logout.text);
    assert.equal((await client.get("/api/whoami/")).status, 401);
  });

  it("logs one line per request with method, path, status and duration, and never the cookie", async () => {
    await fetch(`${server.url}/api/session/?secret=1`, {
      headers: { cookie: "sessionid=leak-me; csrftoken=leak-me-too" },
    });
    const line = await server.waitForLog((l) => l.event === "request" && l.path === "/api/session/");
    assert.equal(line.method, "GET");
    assert.equal(line.status, 200);
    assert.equal(typeof line.durationMs, "number");
    assert.ok(!server.logs.some((l) => JSON.stringify(l).includes("leak-me")), "no log line carries a cookie value");
    assert.ok(!server.logs.some((l) => JSON.stringify(l).includes(PASSWORD)), "no log line carries a password");
  });
});

describe("latchkey serve behind a proxy it was not told about", () => {
  it("warns once that X-Forwarded-* headers are ignored until trustProxy is set", async () => {
    const dir = tempDir("latchkey-serve-");
    const server = await startServe(["--port", "0"], { cwd: dir.path });
    try {
      const forwarded = { "x-forwarded-for": "203.0.113.7", "x-forwarded-proto": "https" };
      await fetch(`${server.url}/api/session/`, { headers: forwarded });
      await fetch(`${server.url}/api/csrf/`, { headers: forwarded });
      const warning = await server.waitForLog((l) => l.event === "proxy_headers_ignored");
      assert.match(String(warning.msg), /trustProxy/);
      await server.waitForLog((l) => l.event === "request" && l.path === "/api/csrf/");
      assert.equal(
        server.logs.filter((l) => l.event === "proxy_headers_ignored").length,
        1,
        "the warning is logged once",
      );
    } finally {
      await server.stop();
      dir.cleanup();
    }
  });
});

describe("latchkey serve without an SPA", () => {
  it("answers every unknown path with a JSON 404 and serves the API", async () => {
    const dir = tempDir("latchkey-serve-");
    const server = await startServe(["--port", "0"], { cwd: dir.path });
    try {
      const root = await fetch(`${server.url}/`);
      assert.equal(root.status, 404);
      assert.deepEqual(await root.json(), { detail: "Not found.", code: "not_found" });
      const session = await fetch(`${server.url}/api/session/`);
      assert.deepEqual(await session.json(), { isAuthenticated: false });
      assert.ok(
        server.logs.some((l) => l.event === "migration_applied"),
        "a fresh database is migrated at start-up",
      );
    } finally {
      assert.equal(await server.stop(), 0);
      dir.cleanup();
    }
  });
});

describe("latchkey serve's readiness route", () => {
  it("answers GET and HEAD /api/ready with 200 and each store's state, never cached", async () => {
    const dir = tempDir("latchkey-serve-");
    const server = await startServe(["--port", "0"], { cwd: dir.path });
    try {
      for (const path of ["/api/ready/", "/api/ready"]) {
        const res = await fetch(`${server.url}${path}`);
        assert.equal(res.status, 200, path);
        assert.equal(res.headers.get("cache-control"), "no-store");
        assert.deepEqual(await res.json(), { ready: true, stores: { users: "ok", sessions: "ok", throttle: "ok" } });
      }
      const head = await fetch(`${server.url}/api/ready/`, { method: "HEAD" });
      assert.equal(head.status, 200);
      assert.equal(await head.text(), "");
    } finally {
      assert.equal(await server.stop(), 0);
      dir.cleanup();
    }
  });
});

describe("latchkey serve's last-resort error handler", () => {
  it("answers 500 JSON, logs the error, and keeps serving when a request fails unexpectedly", async () => {
    const dir = tempDir("latchkey-serve-");
    mkdirSync(join(dir.path, "dist"));
    writeFileSync(join(dir.path, "dist", "index.html"), INDEX_HTML);
    const server = await startServe(["--port", "0", "--spa", "dist"], { cwd: dir.path });
    try {
      rmSync(join(dir.path, "dist", "index.html"));
      const res = await fetch(`${server.url}/dashboard`, { headers: { accept: "text/html" } });
      assert.equal(res.status, 500);
      const body = await res.text();
      assert.deepEqual(JSON.parse(body), { detail: "Internal server error.", code: "internal_error" });
      assert.doesNotMatch(body, /index\.html|ENOENT|\/tmp/, "no internal detail reaches the client");
      await server.waitForLog((l) => l.event === "internal_error" && l.path === "/dashboard");
      assert.equal((await fetch(`${server.url}/api/session/`)).status, 200, "the process is still serving");
    } finally {
      assert.equal(await server.stop(), 0);
      dir.cleanup();
    }
  });
});

describe("latchkey serve start-up refusals", () => {
  it('refuses cookies.secure "never" in production with a clear message and exit 1', async () => {
    const dir = tempDir("latchkey-serve-");
    try {
      writeFileSync(
        join(dir.path, "latchkey.config.json"),
        JSON.stringify({ cookies: { secure: "never", hostPrefix: false } }),
      );
      const result = await runLatchkey(["serve", "--port", "0"], {
        cwd: dir.path,
        env: { LATCHKEY_MODE: "production" },
      });
      assert.equal(result.code, 1);
      assert.match(result.stderr, /invalid configuration/);
      assert.match(result.stderr, /latchkey\.config\.json: cookies\.secure: "never" is refused in production/);
      assert.match(result.stderr, /production mode set by LATCHKEY_MODE="production" \(environment\)/);
      assert.doesNotMatch(result.stderr, /\n\s+at /, "no stack trace");
    } finally {
      dir.cleanup();
    }
  });

  it("lists bad flags and variables together and exits 1", async () => {
    const dir = tempDir("latchkey-serve-");
    try {
      const result = await runLatchkey(["serve", "--port", "abc"], {
        cwd: dir.path,
        env: { LATCHKEY_SESSION_IDLE_TIMEOUT_SECONDS: "soon" },
      });
      assert.equal(result.code, 1);
      assert.match(result.stderr, /--port "abc" \(command line\): must be an integer from 0 to 65535/);
      assert.match(result.stderr, /LATCHKEY_SESSION_IDLE_TIMEOUT_SECONDS="soon" \(environment\): must be an integer/);
    } finally {
      dir.cleanup();
    }
  });

  it("refuses to start on a database with pending migrations when migrateOnStart is false", async () => {
    const dir = tempDir("latchkey-serve-");
    try {
      const result = await runLatchkey(["serve", "--port", "0"], {
        cwd: dir.path,
        env: { LATCHKEY_MIGRATE_ON_START: "false" },
      });
      assert.equal(result.code, 1);
      assert.match(result.stderr, /missing latchkey schema migration/);
      assert.match(result.stderr, /latchkey migrate/);
    } finally {
      dir.cleanup();
    }
  });

  it("refuses an SPA folder without index.html", async () => {
    const dir = tempDir("latchkey-serve-");
    try {
      mkdirSync(join(dir.path, "empty"));
      const result = await runLatchkey(["serve", "--port", "0", "--spa", "empty"], { cwd: dir.path });
      assert.equal(result.code, 1);
      assert.match(result.stderr, /--spa "empty" \(command line\): the SPA folder .* has no index\.html/);
    } finally {
      dir.cleanup();
    }
  });

  it("says so when the port is taken", async () => {
    const dir = tempDir("latchkey-serve-");
    const first = await startServe(["--port", "0"], { cwd: dir.path });
    try {
      const port = new URL(first.url).port;
      const result = await runLatchkey(["serve", "--port", port, "--data-dir", "other"], { cwd: dir.path });
      assert.equal(result.code, 1);
      assert.match(result.stderr, /already in use/);
    } finally {
      await first.stop();
      dir.cleanup();
    }
  });
});

describe("latchkey serve shutdown", () => {
  it("exits 0 on SIGTERM after closing cleanly", async () => {
    const dir = tempDir("latchkey-serve-");
    try {
      const server = await startServe(["--port", "0"], { cwd: dir.path });
      assert.equal((await fetch(`${server.url}/api/session/`)).status, 200);
      assert.equal(await server.stop("SIGTERM"), 0);
      assert.ok(
        server.logs.some((l) => l.event === "stopped"),
        "it logs that it stopped",
      );
    } finally {
      dir.cleanup();
    }
  });

  it("exits 0 on SIGINT too", async () => {
    const dir = tempDir("latchkey-serve-");
    try {
      const server = await startServe(["--port", "0"], { cwd: dir.path });
      assert.equal(await server.stop("SIGINT"), 0);
    } finally {
      dir.cleanup();
    }
  });

  it("lets a request in flight finish, and refuses new connections, once shutdown begins", async () => {
    const f = await fixture();
    const server = await startServe(["--port", "0"], { cwd: f.dir, env: { LATCHKEY_LOG_LEVEL: "debug" } });
    try {
      const client = createTestClient(server.url);
      const token = await client.fetchCsrf();
      const body = JSON.stringify({ username: "alice", password: PASSWORD });
      const url = new URL(`${server.url}/api/login/`);
      // Send the headers and half the body, so the login is in flight when SIGTERM arrives.
      const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request(
          url,
          {
            method: "POST",
            headers: {
              "content-type": "application/json",
              "content-length": Buffer.byteLength(body),
              origin: server.url,
              "sec-fetch-site": "same-origin",
              "x-csrftoken": token,
              cookie: `csrftoken=${client.cookie("csrftoken") ?? ""}`,
            },
          },
          (res) => {
            let text = "";
            res.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
          },
        );
        req.on("error", reject);
        req.write(body.slice(0, 10));
        void server
          .waitForLog((l) => l.event === "request_start" && l.method === "POST")
          .then(() => {
            server.child.kill("SIGTERM");
            return server.waitForLog((l) => l.event === "shutdown");
          })
          .then(async () => {
            await assert.rejects(fetch(`${server.url}/api/session/`), "no new connections during shutdown");
            req.end(body.slice(10));
          }, reject);
      });
      const answer = await response;
      assert.equal(answer.status, 200, answer.body);
      assert.equal(JSON.parse(answer.body).detail, "Successfully logged in.");
      assert.equal(await server.exited(), 0);
      assert.ok(server.logs.some((l) => l.event === "stopped"));
    } finally {
      await server.stop();
      f.cleanup();
    }
  });
});
