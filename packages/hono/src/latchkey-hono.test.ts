import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { serve } from "@hono/node-server";
import { createLatchkey, type Auth, type Latchkey } from "@latchkey/core";
import { createPasswordHasher } from "@latchkey/password";
import { migrateSqlite, openSqliteDatabase, sqliteStores } from "@latchkey/store-sqlite";
import { createTestClient, type TestClient } from "@latchkey/testkit";
import { Hono } from "hono";
import { authOf, latchkeyHono, type LatchkeyEnv } from "./index.js";

// What every adapter does the same way (guards' 401/403, CSRF on app routes, bearer tokens,
// malformed and oversized bodies) is tested once for all of them by the HTTP contract suite
// in tests/src/contract; this file keeps what only Hono has.

const fastHasher = createPasswordHasher({ argon2: { memoryKiB: 1024, iterations: 1, parallelism: 1 } });
const PASSWORD = "correct horse battery";

interface TestApp {
  baseUrl: string;
  latchkey: Latchkey;
  app: Hono<LatchkeyEnv>;
}

/** Runs `test` against a Hono app on @hono/node-server over a real SQLite file, with guarded routes. */
async function withApp(test: (app: TestApp) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "latchkey-hono-"));
  const database = openSqliteDatabase(join(dir, "latchkey.sqlite3"));
  migrateSqlite(database);
  const latchkey = createLatchkey({ stores: sqliteStores({ database }), passwords: { hasher: fastHasher } });
  const auth = latchkeyHono(latchkey);
  const app = new Hono<LatchkeyEnv>({ strict: false });
  app.use(auth.middleware);
  app.get("/api/hello", auth.requireUser(), (c) => {
    // Compile-time check: the identity is typed through the Env, without global merging.
    const who: Auth | null = c.get("latchkey");
    return c.json({ hello: who?.user.username, via: who?.via });
  });
  // A guard Hono reaches only after an asynchronous step of the app.
  app.get(
    "/api/later",
    async (_c, next) => {
      await Promise.resolve();
      await next();
    },
    auth.requireUser(),
    (c) => c.json({ hello: authOf(c).user.username }),
  );
  // An app with its own Env beside LatchkeyEnv, a path parameter and authOf().
  const items = new Hono<LatchkeyEnv & { Variables: { requestId: string } }>();
  items.use(async (c, next) => {
    c.set("requestId", "r-1");
    await next();
  });
  items.get("/:id", auth.requireUser(), (c) =>
    c.json({ id: c.req.param("id"), owner: authOf(c).user.username, requestId: c.get("requestId") }),
  );
  app.route("/api/items", items);
  // An answer whose headers are immutable: latchkey's headers still have to reach it.
  app.get("/api/moved", () => Response.redirect("http://127.0.0.1/elsewhere", 302));
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(started));
  });
  try {
    await test({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, latchkey, app });
  } finally {
    if ("closeAllConnections" in server) server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
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

describe("latchkeyHono()", () => {
  it("answers each of simultaneous requests with its own identity, whether the guard runs at once or after an asynchronous step", () =>
    withApp(async (app) => {
      const alice = await loggedIn(app);
      const anonymous = createTestClient(app.baseUrl);
      const paths = ["/api/hello/", "/api/later/"];
      const answers = await Promise.all(
        Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? alice : anonymous).get(paths[i % 4 < 2 ? 0 : 1] as string)),
      );
      answers.forEach((res, i) => {
        if (i % 2 === 0) {
          assert.equal(res.status, 200, res.text);
          assert.equal(res.json.hello, "alice");
        } else {
          assert.equal(res.status, 401, res.text);
          assert.equal(res.json.code, "not_authenticated");
        }
      });
    }));

  it("puts the logged-in user in the context, typed, for a route behind requireUser()", () =>
    withApp(async (app) => {
      const hello = await (await loggedIn(app)).get("/api/hello/");
      assert.equal(hello.status, 200);
      assert.deepEqual(hello.json, { hello: "alice", via: "cookie" });
    }));

  it("reads the user with authOf() in a sub-app with its own Env and a path parameter", () =>
    withApp(async (app) => {
      const client = await loggedIn(app);
      assert.deepEqual((await client.get("/api/items/7")).json, { id: "7", owner: "alice", requestId: "r-1" });
    }));

  it("fails closed with a 500 when a guard runs without latchkey's middleware", () =>
    withApp(async (app) => {
      const auth = latchkeyHono(app.latchkey);
      const bare = new Hono<LatchkeyEnv>();
      bare.get("/hello", auth.requireUser(), (c) => c.text("nobody should see this"));
      const res = await bare.fetch(new Request("http://localhost/hello"));
      assert.equal(res.status, 500);
      assert.doesNotMatch(await res.text(), /nobody should see this/);
    }));

  it("adds latchkey's CORS header to the app's answer and keeps its body", () =>
    withApp(async (app) => {
      const res = await (await loggedIn(app)).get("/api/hello/");
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("vary"), "Origin");
      assert.equal(res.headers.get("content-type"), "application/json");
      assert.deepEqual(res.json, { hello: "alice", via: "cookie" });
    }));

  it("adds latchkey's CORS header to an answer whose headers are immutable (Response.redirect)", () =>
    withApp(async (app) => {
      const res = await fetch(`${app.baseUrl}/api/moved`, { redirect: "manual" });
      assert.equal(res.status, 302);
      assert.equal(res.headers.get("location"), "http://127.0.0.1/elsewhere");
      assert.equal(res.headers.get("vary"), "Origin");
    }));

  it("leaves unknown paths to Hono's own 404", () =>
    withApp(async (app) => {
      const res = await createTestClient(app.baseUrl).get("/nowhere");
      assert.equal(res.status, 404);
      assert.equal(res.text, "404 Not Found");
    }));

  it("runs without @hono/node-server, taking TLS from the request URL", () =>
    withApp(async (app) => {
      assert.ok((await app.latchkey.accounts.createUser({ username: "alice", password: PASSWORD })).ok);
      // app.fetch with a Web Request is how Hono runs on Workers, Deno and Bun.
      const csrf = await app.app.fetch(new Request("https://api.example.com/api/csrf/"));
      const token = csrf.headers.get("x-csrftoken") ?? "";
      const csrfCookie = (csrf.headers.getSetCookie()[0] ?? "").split(";")[0] ?? "";
      assert.match(csrf.headers.getSetCookie()[0] ?? "", /; Secure/i);
      const login = await app.app.fetch(
        new Request("https://api.example.com/api/login/", {
          method: "POST",
          headers: {
            "content-type": "application/json",
            origin: "https://api.example.com",
            cookie: csrfCookie,
            "x-csrftoken": token,
          },
          body: JSON.stringify({ username: "alice", password: PASSWORD }),
        }),
      );
      assert.equal(login.status, 200, await login.clone().text());
      const session = login.headers.getSetCookie().find((line) => line.startsWith("sessionid="));
      assert.match(session ?? "", /; Secure/i);
      const hello = await app.app.fetch(
        new Request("https://api.example.com/api/hello/", { headers: { cookie: (session ?? "").split(";")[0] ?? "" } }),
      );
      assert.deepEqual(await hello.json(), { hello: "alice", via: "cookie" });
    }));
});
