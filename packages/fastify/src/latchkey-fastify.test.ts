import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { createLatchkey, type Auth, type Latchkey } from "@latchkey/core";
import { createPasswordHasher } from "@latchkey/password";
import { migrateSqlite, openSqliteDatabase, sqliteStores } from "@latchkey/store-sqlite";
import { createTestClient, type TestClient } from "@latchkey/testkit";
import Fastify from "fastify";
import { authOf, latchkeyFastify } from "./index.js";

// What every adapter does the same way (guards' 401/403, CSRF on app routes, bearer tokens,
// malformed and oversized bodies) is tested once for all of them by the HTTP contract suite
// in tests/src/contract; this file keeps what only Fastify has.

const fastHasher = createPasswordHasher({ argon2: { memoryKiB: 1024, iterations: 1, parallelism: 1 } });
const PASSWORD = "correct horse battery";

interface TestApp {
  baseUrl: string;
  latchkey: Latchkey;
}

/** Runs `test` against a Fastify app over a real SQLite file, with guarded and unguarded app routes. */
async function withApp(test: (app: TestApp) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "latchkey-fastify-"));
  const database = openSqliteDatabase(join(dir, "latchkey.sqlite3"));
  migrateSqlite(database);
  const latchkey = createLatchkey({ stores: sqliteStores({ database }), passwords: { hasher: fastHasher } });
  const app = Fastify({ routerOptions: { ignoreTrailingSlash: true } });
  await app.register(latchkeyFastify, { latchkey });
  app.get("/api/hello", { preHandler: app.requireUser() }, async (request) => {
    // Compile-time check: the identity is typed on Fastify's own request.
    const who: Auth | null = request.latchkey;
    return { hello: who?.user.username, via: who?.via };
  });
  app.post<{ Body: { text: string } }>("/api/notes", async (request) => ({
    user: request.latchkey?.user.username ?? null,
    body: request.body,
  }));
  app.get<{ Params: { id: string } }>("/api/items/:id", { preHandler: app.requireUser() }, async (request) => ({
    id: request.params.id,
    owner: authOf(request).user.username,
  }));
  try {
    await app.listen({ port: 0, host: "127.0.0.1" });
    await test({ baseUrl: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, latchkey });
  } finally {
    await app.close();
    database.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A browser-like client logged in as a new user "alice" (created through the accounts API). */
async function loggedIn(app: TestApp): Promise<TestClient> {
  const created = await app.latchkey.accounts.createUser({ username: "alice", password: PASSWORD });
  assert.ok(created.ok);
  const client = createTestClient(app.baseUrl);
  const login = await client.login("alice", PASSWORD);
  assert.equal(login.status, 200, login.text);
  return client;
}

describe("latchkeyFastify", () => {
  it("puts the logged-in user on the request, typed, for a route behind app.requireUser()", () =>
    withApp(async (app) => {
      const hello = await (await loggedIn(app)).get("/api/hello/");
      assert.equal(hello.status, 200);
      assert.deepEqual(hello.json, { hello: "alice", via: "cookie" });
    }));

  it("refuses a forged request before Fastify parses its body", () =>
    withApp(async (app) => {
      const client = await loggedIn(app);
      const forged = await client.post("/api/notes/", {
        body: "{not json",
        headers: { "content-type": "application/json" },
      });
      assert.equal(forged.status, 403);
      assert.equal(forged.json.code, "csrf_token_missing");
    }));

  it("reads the user with authOf() on a route with typed params", () =>
    withApp(async (app) => {
      const client = await loggedIn(app);
      assert.deepEqual((await client.get("/api/items/7")).json, { id: "7", owner: "alice" });
    }));

  it("answers a wrong method on a latchkey route with 405 and Allow", () =>
    withApp(async (app) => {
      const res = await createTestClient(app.baseUrl).request("PUT", "/api/login/", { bare: true });
      assert.equal(res.status, 405);
      assert.match(res.headers.get("allow") ?? "", /POST/);
    }));

  it("leaves unknown paths to Fastify's own 404", () =>
    withApp(async (app) => {
      const res = await createTestClient(app.baseUrl).get("/nowhere");
      assert.equal(res.status, 404);
      assert.deepEqual(res.json, { message: "Route GET:/nowhere not found", error: "Not Found", statusCode: 404 });
    }));
});
