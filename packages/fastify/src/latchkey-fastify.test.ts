import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { createLatchkey, type Auth, type Latchkey, type LatchkeyOptions } from "@latchkey/core";
import { createPasswordHasher } from "@latchkey/password";
import { migrateSqlite, openSqliteDatabase, sqliteStores } from "@latchkey/store-sqlite";
import Fastify from "fastify";
import { authOf, latchkeyFastify } from "./index.js";

const fastHasher = createPasswordHasher({ argon2: { memoryKiB: 1024, iterations: 1, parallelism: 1 } });
const PASSWORD = "correct horse battery";

interface TestApp {
  baseUrl: string;
  latchkey: Latchkey;
  close(): Promise<void>;
}

/** A Fastify app over a real SQLite file, with guarded and unguarded app routes. */
async function startApp(options: { latchkey?: Partial<Omit<LatchkeyOptions, "stores">> } = {}): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), "latchkey-fastify-"));
  const database = openSqliteDatabase(join(dir, "latchkey.sqlite3"));
  migrateSqlite(database);
  const latchkey = createLatchkey({ ...options.latchkey, stores: sqliteStores({ database }), passwords: { hasher: fastHasher } });
  const app = Fastify({ routerOptions: { ignoreTrailingSlash: true } });
  await app.register(latchkeyFastify, { latchkey });
  app.get("/api/hello", { preHandler: app.requireUser() }, async (request) => {
    // Compile-time check: the identity is typed on Fastify's own request.
    const who: Auth | null = request.latchkey;
    return { hello: who?.user.username, via: who?.via };
  });
  app.post("/api/hello", { preHandler: app.requireUser() }, async (request) => ({ hello: authOf(request).user.username }));
  app.post<{ Body: { text: string } }>("/api/notes", async (request) => ({ user: request.latchkey?.user.username ?? null, body: request.body }));
  app.get<{ Params: { id: string } }>("/api/items/:id", { preHandler: app.requireUser() }, async (request) => ({ id: request.params.id, owner: authOf(request).user.username }));
  app.get("/api/staff", { preHandler: app.requireStaff() }, async (request) => ({ staff: request.latchkey?.user.username }));
  app.get("/api/reports", { preHandler: [app.requirePermission("reports.view")] }, async () => ({ reports: [] }));
  await app.listen({ port: 0, host: "127.0.0.1" });
  const { port } = app.server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    latchkey,
    async close() {
      await app.close();
      database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A same-origin browser: a cookie jar, Origin and Sec-Fetch-Site on unsafe requests. */
function browser(baseUrl: string) {
  const jar = new Map<string, string>();
  let csrfToken = "";
  async function request(method: string, path: string, init: { headers?: Record<string, string>; body?: string; json?: unknown } = {}) {
    const headers: Record<string, string> = {};
    if (method !== "GET" && method !== "HEAD") Object.assign(headers, { origin: baseUrl, "sec-fetch-site": "same-origin" });
    if (jar.size > 0) headers.cookie = [...jar].map(([name, value]) => `${name}=${value}`).join("; ");
    let body = init.body;
    if (init.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(init.json);
    }
    Object.assign(headers, init.headers);
    const res = await fetch(baseUrl + path, { method, headers, ...(body === undefined ? {} : { body }) });
    for (const line of res.headers.getSetCookie()) {
      const pair = line.split(";")[0] ?? "";
      const eq = pair.indexOf("=");
      if (/max-age=0/i.test(line)) jar.delete(pair.slice(0, eq));
      else jar.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    csrfToken = res.headers.get("x-csrftoken") ?? csrfToken;
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, json: text.startsWith("{") ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }
  return {
    request,
    get csrfToken() {
      return csrfToken;
    },
    async login(username: string) {
      await request("GET", "/api/csrf/");
      return request("POST", "/api/login/", { json: { username, password: PASSWORD }, headers: { "x-csrftoken": csrfToken } });
    },
  };
}

async function withApp(options: Parameters<typeof startApp>[0], test: (app: TestApp) => Promise<void>): Promise<void> {
  const app = await startApp(options);
  try {
    await test(app);
  } finally {
    await app.close();
  }
}

async function createUser(latchkey: Latchkey, username: string, extra: { isStaff?: boolean; permissions?: string[] } = {}): Promise<void> {
  const created = await latchkey.accounts.createUser({ username, password: PASSWORD, ...extra });
  assert.ok(created.ok);
}

describe("latchkeyFastify", () => {
  it("puts the logged-in user on the request, typed, for a route behind app.requireUser()", () =>
    withApp({}, async (app) => {
      await createUser(app.latchkey, "alice");
      const client = browser(app.baseUrl);
      const login = await client.login("alice");
      assert.equal(login.status, 200, login.text);
      const hello = await client.request("GET", "/api/hello/");
      assert.equal(hello.status, 200);
      assert.deepEqual(hello.json, { hello: "alice", via: "cookie" });
    }));

  it("answers app.requireUser() for an anonymous request with latchkey's 401 JSON", () =>
    withApp({}, async (app) => {
      const res = await browser(app.baseUrl).request("GET", "/api/hello/");
      assert.equal(res.status, 401);
      assert.equal(res.headers.get("content-type"), "application/json; charset=utf-8");
      assert.equal(res.headers.get("x-content-type-options"), "nosniff");
      assert.deepEqual(res.json, { detail: "Authentication credentials were not provided.", code: "not_authenticated", isAuthenticated: false });
    }));

  it("answers app.requireStaff() with 403 for a user who is not staff and lets staff through", () =>
    withApp({}, async (app) => {
      await createUser(app.latchkey, "bob");
      await createUser(app.latchkey, "carol", { isStaff: true });
      const bob = browser(app.baseUrl);
      await bob.login("bob");
      const refused = await bob.request("GET", "/api/staff/");
      assert.equal(refused.status, 403);
      assert.deepEqual(refused.json, { detail: "You do not have permission to perform this action.", code: "permission_denied" });
      const carol = browser(app.baseUrl);
      await carol.login("carol");
      assert.deepEqual((await carol.request("GET", "/api/staff/")).json, { staff: "carol" });
    }));

  it("answers app.requirePermission() with 403 without the permission and 200 with it", () =>
    withApp({}, async (app) => {
      await createUser(app.latchkey, "bob");
      await createUser(app.latchkey, "dora", { permissions: ["reports.view"] });
      const bob = browser(app.baseUrl);
      await bob.login("bob");
      const refused = await bob.request("GET", "/api/reports/");
      assert.equal(refused.status, 403);
      assert.equal(refused.json.code, "permission_denied");
      const dora = browser(app.baseUrl);
      await dora.login("dora");
      const allowed = await dora.request("GET", "/api/reports/");
      assert.equal(allowed.status, 200);
      assert.deepEqual(allowed.json, { reports: [] });
      assert.equal((await browser(app.baseUrl).request("GET", "/api/reports/")).status, 401);
    }));

  it("refuses an unsafe app route with a cookie session and no CSRF token, while GET passes", () =>
    withApp({}, async (app) => {
      await createUser(app.latchkey, "alice");
      const client = browser(app.baseUrl);
      await client.login("alice");
      const forged = await client.request("POST", "/api/notes/", { json: { text: "hi" } });
      assert.equal(forged.status, 403);
      assert.equal(forged.json.code, "csrf_token_missing");
      assert.equal(typeof forged.json.detail, "string");
      assert.equal((await client.request("GET", "/api/hello/")).status, 200);
      const allowed = await client.request("POST", "/api/notes/", { json: { text: "hi" }, headers: { "x-csrftoken": client.csrfToken } });
      assert.equal(allowed.status, 200);
      assert.deepEqual(allowed.json, { user: "alice", body: { text: "hi" } });
    }));

  it("refuses a forged request before Fastify parses its body", () =>
    withApp({}, async (app) => {
      await createUser(app.latchkey, "alice");
      const client = browser(app.baseUrl);
      await client.login("alice");
      const forged = await client.request("POST", "/api/notes/", { body: "{not json", headers: { "content-type": "application/json" } });
      assert.equal(forged.status, 403);
      assert.equal(forged.json.code, "csrf_token_missing");
    }));

  it("accepts a bearer token on an unsafe app route without a CSRF token", () =>
    withApp({}, async (app) => {
      await createUser(app.latchkey, "alice");
      const issued = await fetch(`${app.baseUrl}/api/token/login/`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "alice", password: PASSWORD }),
      });
      assert.equal(issued.status, 200);
      const { token } = (await issued.json()) as { token: string };
      const res = await fetch(`${app.baseUrl}/api/hello/`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { hello: "alice" });
    }));

  it("reads the user with authOf() on a route with typed params", () =>
    withApp({}, async (app) => {
      await createUser(app.latchkey, "alice");
      const client = browser(app.baseUrl);
      await client.login("alice");
      assert.deepEqual((await client.request("GET", "/api/items/7")).json, { id: "7", owner: "alice" });
    }));

  it("answers a bad bearer token with 401 even when a valid session cookie comes with it", () =>
    withApp({}, async (app) => {
      await createUser(app.latchkey, "alice");
      const client = browser(app.baseUrl);
      await client.login("alice");
      const res = await client.request("GET", "/api/hello/", { headers: { authorization: "Bearer not-a-real-token" } });
      assert.equal(res.status, 401);
      assert.equal(res.json.code, "invalid_token");
    }));

  it("answers malformed JSON on a latchkey route with latchkey's 400, not Fastify's", () =>
    withApp({}, async (app) => {
      const client = browser(app.baseUrl);
      await client.request("GET", "/api/csrf/");
      const res = await client.request("POST", "/api/login/", { body: '{"username": ', headers: { "content-type": "application/json", "x-csrftoken": client.csrfToken } });
      assert.equal(res.status, 400);
      assert.equal(res.headers.get("content-type"), "application/json; charset=utf-8");
      assert.deepEqual(res.json, { detail: "JSON parse error - the request body is not valid JSON.", code: "invalid_json" });
    }));

  it("answers a declared body over the limit with 413 and closes the connection", () =>
    withApp({ latchkey: { maxBodyBytes: 1024 } }, async (app) => {
      const client = browser(app.baseUrl);
      await client.request("GET", "/api/csrf/");
      const res = await client.request("POST", "/api/login/", { json: { username: "alice", password: "x".repeat(4096) }, headers: { "x-csrftoken": client.csrfToken } });
      assert.equal(res.status, 413);
      assert.equal(res.json.code, "body_too_large");
      assert.equal(res.headers.get("connection"), "close");
    }));

  it("stops reading a chunked body without Content-Length once it passes the limit", () =>
    withApp({ latchkey: { maxBodyBytes: 1024 } }, async (app) => {
      const chunk = new TextEncoder().encode("x".repeat(512));
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          // Far more than the limit; the server must answer long before the end.
          if (sent++ < 4096) controller.enqueue(chunk);
          else controller.close();
        },
      });
      const res = await fetch(`${app.baseUrl}/api/token/login/`, { method: "POST", headers: { "content-type": "application/json" }, body, duplex: "half" });
      assert.equal(res.status, 413);
      assert.equal(((await res.json()) as Record<string, unknown>).code, "body_too_large");
    }));

  it("answers a wrong method on a latchkey route with 405 and Allow", () =>
    withApp({}, async (app) => {
      const res = await fetch(`${app.baseUrl}/api/login/`, { method: "PUT" });
      assert.equal(res.status, 405);
      assert.match(res.headers.get("allow") ?? "", /POST/);
    }));

  it("leaves unknown paths to Fastify's own 404", () =>
    withApp({}, async (app) => {
      const res = await fetch(`${app.baseUrl}/nowhere`);
      assert.equal(res.status, 404);
      assert.deepEqual(await res.json(), { message: "Route GET:/nowhere not found", error: "Not Found", statusCode: 404 });
    }));
});
