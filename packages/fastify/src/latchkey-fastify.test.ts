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
  /** Holds requests to `/api/later/` between latchkey's hook and the route's guard. */
  gate: Gate;
}

const SPA_ORIGINS = ["https://one.example", "https://two.example"];

/** Requests held at a point of the app until the test releases them. */
interface Gate {
  /** Resolves when the test releases the request. */
  hold(): Promise<void>;
  /** Resolves once `count` requests are held. */
  holding(count: number): Promise<void>;
  /** Lets every held request go on. */
  release(): void;
}

function createGate(): Gate {
  const held: (() => void)[] = [];
  const watchers: { count: number; resolve: () => void }[] = [];
  return {
    hold: () =>
      new Promise((resolve) => {
        held.push(resolve);
        for (const watcher of watchers) if (held.length >= watcher.count) watcher.resolve();
      }),
    holding: (count) =>
      held.length >= count ? Promise.resolve() : new Promise((resolve) => watchers.push({ count, resolve })),
    release: () => {
      for (const resolve of held.splice(0)) resolve();
    },
  };
}

/**
 * Runs `test` against a Fastify app over a real SQLite file, with guarded and unguarded app
 * routes; `mount` chooses what the plugin is given (the instance itself by default).
 */
async function withApp(
  test: (app: TestApp) => Promise<void>,
  mount: (latchkey: Latchkey) => Latchkey = (latchkey) => latchkey,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "latchkey-fastify-"));
  const database = openSqliteDatabase(join(dir, "latchkey.sqlite3"));
  migrateSqlite(database);
  const latchkey = createLatchkey({
    stores: sqliteStores({ database }),
    passwords: { hasher: fastHasher },
    trustedOrigins: SPA_ORIGINS,
  });
  const gate = createGate();
  const app = Fastify({ routerOptions: { ignoreTrailingSlash: true } });
  await app.register(latchkeyFastify, { latchkey: mount(latchkey) });
  app.setErrorHandler(async (error: { message: string }, _request, reply) =>
    reply.code(500).send({ detail: "Server error.", error: error.message }),
  );
  app.get("/api/hello", { preHandler: app.requireUser() }, async (request) => {
    // Compile-time check: the identity is typed on Fastify's own request.
    const who: Auth | null = request.latchkey;
    return { hello: who?.user.username, via: who?.via };
  });
  app.post<{ Body: { text: string } }>("/api/notes", async (request) => ({
    user: request.latchkey?.user.username ?? null,
    body: request.body,
  }));
  // A guard Fastify reaches only after an asynchronous step of the app that waits for the
  // test (as a slow database call would), so other requests pass latchkey's hook meanwhile.
  app.get(
    "/api/later",
    {
      preHandler: [
        async () => {
          await gate.hold();
        },
        app.requireUser(),
      ],
    },
    async (request) => ({ hello: authOf(request).user.username }),
  );
  app.get<{ Params: { id: string } }>("/api/items/:id", { preHandler: app.requireUser() }, async (request) => ({
    id: request.params.id,
    owner: authOf(request).user.username,
  }));
  try {
    await app.listen({ port: 0, host: "127.0.0.1" });
    await test({ baseUrl: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, latchkey, gate });
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

  it("answers each of simultaneous requests with its own identity and CORS origin, whether the guard runs at once or after an asynchronous step", () =>
    withApp(async (app) => {
      const alice = await loggedIn(app);
      const anonymous = createTestClient(app.baseUrl);
      const [one, two] = SPA_ORIGINS as [string, string];
      const from = (origin: string) => ({ headers: { origin } });
      // Held between latchkey's hook and the guard while other requests from another origin pass.
      const held = [alice.get("/api/later/", from(one)), anonymous.get("/api/later/", from(one))];
      await app.gate.holding(2);
      const passing = await Promise.all([
        alice.get("/api/hello/", from(two)),
        anonymous.get("/api/hello/", from(two)),
        alice.get("/api/hello/", from(one)),
        anonymous.get("/api/hello/", from(two)),
      ]);
      app.gate.release();
      const answers = [...(await Promise.all(held)), ...passing];
      const expected = [
        [200, one],
        [401, one],
        [200, two],
        [401, two],
        [200, one],
        [401, two],
      ];
      answers.forEach((res, i) => {
        const [status, origin] = expected[i] as [number, string];
        assert.equal(res.status, status, res.text);
        if (status === 200) assert.equal(res.json.hello, "alice");
        else assert.equal(res.json.code, "not_authenticated");
        // A refusal is made for its own request, not for another one passing at the time.
        assert.equal(res.headers.get("access-control-allow-origin"), origin, `answer ${i}: ${res.text}`);
      });
    }));

  it("hands a rejection without a reason to Fastify's error handler, never letting the request through", () =>
    // latchkey's handleNow() never rejects; this stands in for one that would, because the
    // hook's done() called without an error would let the request go on unauthenticated.
    withApp(
      async (app) => {
        const res = await createTestClient(app.baseUrl).get("/api/hello/");
        assert.equal(res.status, 500, res.text);
        assert.equal(res.json.error, "Undefined error has occurred");
        assert.equal(res.json.hello, undefined, "the guarded route never ran");
      },
      (latchkey) => ({ ...latchkey, handleNow: () => Promise.reject<null>(undefined) }),
    ));

  it("leaves unknown paths to Fastify's own 404", () =>
    withApp(async (app) => {
      const res = await createTestClient(app.baseUrl).get("/nowhere");
      assert.equal(res.status, 404);
      assert.deepEqual(res.json, { message: "Route GET:/nowhere not found", error: "Not Found", statusCode: 404 });
    }));
});
