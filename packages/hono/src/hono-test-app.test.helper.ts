import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import { createLatchkey, type Auth, type Latchkey } from "@latchkey/core";
import { createPasswordHasher } from "@latchkey/password";
import { migrateSqlite, openSqliteDatabase, sqliteStores } from "@latchkey/store-sqlite";
import { createTestClient, type TestClient } from "@latchkey/testkit";
import { Hono } from "hono";
import { authOf, latchkeyHono, type HonoLatchkey, type LatchkeyEnv } from "./index.js";

const fastHasher = createPasswordHasher({ argon2: { memoryKiB: 1024, iterations: 1, parallelism: 1 } });
export const PASSWORD = "correct horse battery";
/** The SPA origin the test apps trust (CORS). */
export const SPA_ORIGIN = "https://spa.example";

export interface TestApp {
  baseUrl: string;
  latchkey: Latchkey;
  app: Hono<LatchkeyEnv>;
  /** Moves latchkey's clock forward (sliding expiry, touch interval). */
  advance(milliseconds: number): void;
}

export interface TestAppOptions {
  /**
   * The SQLite stores' read cache: with 0, every session lookup goes to the file and core's
   * answer is pending; by default a cached session is answered at once.
   */
  cacheEntries?: number;
  /** Origins latchkey trusts. @default [SPA_ORIGIN] */
  trustedOrigins?: string[];
  /** The app's own routes, added after the standard ones. */
  routes?: (app: Hono<LatchkeyEnv>, auth: HonoLatchkey) => void;
}

/** Runs `test` against a Hono app on @hono/node-server over a real SQLite file, with guarded routes. */
export async function withApp(test: (app: TestApp) => Promise<void>, options: TestAppOptions = {}): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "latchkey-hono-"));
  const database = openSqliteDatabase(join(dir, "latchkey.sqlite3"));
  migrateSqlite(database);
  let offset = 0;
  const stores =
    options.cacheEntries === undefined
      ? sqliteStores({ database })
      : sqliteStores({ database, cacheEntries: options.cacheEntries });
  const latchkey = createLatchkey({
    stores,
    // A trusted SPA origin, so latchkey's answers under /api say `Vary: Origin` (with none
    // trusted, no origin changes an answer and latchkey adds no Vary).
    trustedOrigins: options.trustedOrigins ?? [SPA_ORIGIN],
    passwords: { hasher: fastHasher },
    clock: { now: () => Date.now() + offset },
  });
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
  options.routes?.(app, auth);
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(started));
  });
  try {
    await test({
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      latchkey,
      app,
      advance: (milliseconds) => {
        offset += milliseconds;
      },
    });
  } finally {
    if ("closeAllConnections" in server) server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    database.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A browser-like client logged in as a new user "alice" (created through the accounts API). */
export async function loggedIn(app: TestApp): Promise<TestClient> {
  const created = await app.latchkey.accounts.createUser({ username: "alice", password: PASSWORD });
  assert.ok(created.ok);
  const client = createTestClient(app.baseUrl);
  const login = await client.login("alice", PASSWORD);
  assert.equal(login.status, 200, login.text);
  return client;
}
