import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { createLatchkey, type Auth, type Latchkey } from "@latchkey/core";
import { createPasswordHasher } from "@latchkey/password";
import { migrateSqlite, openSqliteDatabase, sqliteStores } from "@latchkey/store-sqlite";
import { createTestClient, type TestClient } from "@latchkey/testkit";
import express from "express";
import { authOf, latchkeyExpress } from "./index.js";

// What every adapter does the same way (guards' 401/403, CSRF on app routes, bearer tokens,
// malformed and oversized bodies) is tested once for all of them by the HTTP contract suite
// in tests/src/contract; this file keeps what only Express has.

const fastHasher = createPasswordHasher({ argon2: { memoryKiB: 1024, iterations: 1, parallelism: 1 } });
const PASSWORD = "correct horse battery";

const SPA_ORIGINS = ["https://one.example", "https://two.example"];

interface TestApp {
  baseUrl: string;
  latchkey: Latchkey;
  /** Holds requests to `/api/held/` between latchkey's middleware and the route's guard. */
  gate: Gate;
}

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
 * Runs `test` against an Express app over a real SQLite file: latchkey's middleware, then
 * `express.json()` (or the parsers first, with `parsersFirst`, or `express.raw()` first, with
 * `rawFirst`; or no latchkey middleware at
 * all, with `middleware: false`), then guarded and unguarded app routes. `mount` chooses what
 * the adapter is given (the instance itself by default).
 */
async function withApp(
  options: {
    parsersFirst?: boolean;
    rawFirst?: boolean;
    middleware?: boolean;
    mount?: (latchkey: Latchkey) => Latchkey;
  },
  test: (app: TestApp) => Promise<void>,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "latchkey-express-"));
  const database = openSqliteDatabase(join(dir, "latchkey.sqlite3"));
  migrateSqlite(database);
  const latchkey = createLatchkey({
    stores: sqliteStores({ database }),
    passwords: { hasher: fastHasher },
    trustedOrigins: SPA_ORIGINS,
  });
  const auth = latchkeyExpress(options.mount === undefined ? latchkey : options.mount(latchkey));
  const gate = createGate();
  const app = express();
  if (options.parsersFirst === true) app.use(express.json(), express.urlencoded({ extended: false }));
  if (options.rawFirst === true) app.use(express.raw({ type: "*/*" }));
  if (options.middleware !== false) app.use(auth.middleware);
  app.use(express.json());
  app.get("/api/hello", auth.requireUser(), (req, res) => {
    // Compile-time check: the identity is typed on Express's own Request.
    const who: Auth = authOf(req);
    const maybe: Auth | null | undefined = req.latchkey;
    res.json({ hello: who.user.username, via: maybe?.via ?? null });
  });
  app.post("/api/notes", (req, res) => {
    const body: unknown = req.body;
    res.json({ user: req.latchkey?.user.username ?? null, body: body ?? null });
  });
  // A guard Express reaches only after an asynchronous step of the app.
  app.get(
    "/api/later",
    async (_req, _res, next) => {
      await Promise.resolve();
      next();
    },
    auth.requireUser(),
    (req, res) => {
      res.json({ hello: authOf(req).user.username });
    },
  );
  // A guard Express reaches only after an asynchronous step of the app that waits for the
  // test (as a slow database call would), so other requests pass latchkey's middleware meanwhile.
  app.get(
    "/api/held",
    async (_req, _res, next) => {
      await gate.hold();
      next();
    },
    auth.requireUser(),
    (req, res) => {
      res.json({ hello: authOf(req).user.username });
    },
  );
  app.get("/api/items/:id", auth.requireUser(), (req, res) => {
    res.json({ id: req.params.id, owner: authOf(req).user.username });
  });
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, "127.0.0.1", () => resolve(listening));
  });
  try {
    await test({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, latchkey, gate });
  } finally {
    server.closeAllConnections();
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

describe("latchkeyExpress()", () => {
  it("puts the logged-in user on the request, typed, for a route behind requireUser()", () =>
    withApp({}, async (app) => {
      const hello = await (await loggedIn(app)).get("/api/hello/");
      assert.equal(hello.status, 200);
      assert.deepEqual(hello.json, { hello: "alice", via: "cookie" });
    }));

  it("reads the user with authOf() on a route with path parameters", () =>
    withApp({}, async (app) => {
      const client = await loggedIn(app);
      assert.deepEqual((await client.get("/api/items/7")).json, { id: "7", owner: "alice" });
    }));

  it("answers each of simultaneous requests with its own identity, whether the guard runs at once or after an asynchronous step", () =>
    withApp({}, async (app) => {
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

  it("makes a guard's refusal for its own request while other requests pass latchkey's middleware", () =>
    withApp({}, async (app) => {
      const alice = await loggedIn(app);
      const anonymous = createTestClient(app.baseUrl);
      const [one, two] = SPA_ORIGINS as [string, string];
      const from = (origin: string) => ({ headers: { origin } });
      // Held between latchkey's middleware and the guard while requests from another origin pass.
      const held = [alice.get("/api/held/", from(one)), anonymous.get("/api/held/", from(one))];
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
        assert.equal(res.headers.get("access-control-allow-origin"), origin, `answer ${i}: ${res.text}`);
      });
    }));

  it("hands a rejection without a reason to Express's error handling, never letting the request through", () =>
    // latchkey's handleNow() never rejects; this stands in for one that would: the middleware's
    // promise must fail the request, not call next() and let it go on unauthenticated.
    withApp(
      { mount: (latchkey) => ({ ...latchkey, handleNow: () => Promise.reject<null>(undefined) }) },
      async (app) => {
        // An unguarded route: no guard stands behind the middleware to fail closed instead.
        const res = await createTestClient(app.baseUrl).post("/api/notes/", { json: { text: "hi" } });
        assert.equal(res.status, 500, res.text);
        assert.doesNotMatch(res.text, /"user":/, "the route never ran");
      },
    ));

  it("fails closed with a 500 when a guard runs without latchkey's middleware", () =>
    withApp({ middleware: false }, async (app) => {
      const res = await createTestClient(app.baseUrl).get("/api/hello");
      assert.equal(res.status, 500);
      assert.doesNotMatch(res.text, /"hello":/, "the guarded handler never ran");
    }));

  it("leaves unknown paths to Express's own 404", () =>
    withApp({}, async (app) => {
      const res = await createTestClient(app.baseUrl).get("/nowhere");
      assert.equal(res.status, 404);
      assert.match(res.text, /Cannot GET \/nowhere/);
    }));

  it("still logs in when express.json() is mounted before latchkey", () =>
    withApp({ parsersFirst: true }, async (app) => {
      // loggedIn() asserts the login's 200: latchkey used the body express.json() parsed.
      assert.deepEqual((await (await loggedIn(app)).get("/api/hello/")).json, { hello: "alice", via: "cookie" });
    }));

  it("still logs in when express.raw() buffered the body before latchkey", () =>
    withApp({ rawFirst: true }, async (app) => {
      // loggedIn() asserts the login's 200: latchkey read the bytes express.raw() buffered
      // (the stream itself is spent by then).
      assert.deepEqual((await (await loggedIn(app)).get("/api/hello/")).json, { hello: "alice", via: "cookie" });
    }));

  it("reads the CSRF form field of an app route when express.urlencoded() ran first", () =>
    withApp({ parsersFirst: true }, async (app) => {
      const client = await loggedIn(app);
      const form = new URLSearchParams({ csrfmiddlewaretoken: client.csrfToken ?? "", text: "hi" }).toString();
      const res = await client.post("/api/notes/", {
        body: form,
        headers: { "content-type": "application/x-www-form-urlencoded" },
      });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json.user, "alice");
    }));
});
