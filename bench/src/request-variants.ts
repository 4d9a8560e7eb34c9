/**
 * The servers the bench's per-request counters measure (instructions.ts under callgrind,
 * allocations.ts with V8's heap statistics): each variant's fixture, how to start it in the
 * counting process, and the session token its client sends.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { get } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqliteDatabase } from "@latchkey/store-sqlite";
import { createPostgresFixture } from "./fixtures/postgres-fixture.js";
import { createRedisFixture } from "./fixtures/redis-fixture.js";
import { createSqliteFixture } from "./fixtures/sqlite-fixture.js";
import { APP_ROUTE, type ServerSpec } from "./servers/server-spec.js";
import { startServer } from "./servers/start-server.js";
import { createChildRegistry } from "./children.js";
import { type Client, connectClientProcess } from "./keep-alive-client.js";
import { createServices, type Services } from "./services.js";

const WHOAMI = "/api/whoami/";

/** The variants, in table order, and the path each one is asked for. */
export const VARIANTS: Readonly<Record<string, string>> = {
  floor: WHOAMI,
  bare: WHOAMI,
  ready: WHOAMI,
  "ready-anonymous": WHOAMI,
  "ready-log-info": WHOAMI,
  "ready-access-log": WHOAMI,
  "ready-redis-cache": WHOAMI,
  "ready-postgres-cache": WHOAMI,
  "node-handle": WHOAMI,
  "node-route-bare": APP_ROUTE,
  "node-route-auth": APP_ROUTE,
  "express-bare": APP_ROUTE,
  "express-auth": APP_ROUTE,
  "fastify-bare": APP_ROUTE,
  "fastify-auth": APP_ROUTE,
  "hono-bare": APP_ROUTE,
  "hono-auth": APP_ROUTE,
  "hono-pass-through": APP_ROUTE,
};

/** What `prepare` leaves next to the SQLite file for the loops. */
interface Prepared {
  token: string;
  whoamiBody: string;
  /** The ready server's whoami headers (flat, as `writeHead()` takes them), without Date and Connection/Keep-Alive. */
  whoamiHeaders: string[];
  /** For `ready-redis-cache`: the Redis server, the users' SQLite file and a session's token in Redis. */
  redis?: { url: string; usersDatabase: string; token: string };
  /** For `ready-postgres-cache`: the database and a session's token in it. */
  postgres?: { url: string; token: string };
}

/** The variants whose store runs in a server of its own, and which one. */
const STORE_OF: Readonly<Record<string, "redis" | "postgres">> = {
  "ready-redis-cache": "redis",
  "ready-postgres-cache": "postgres",
};

/** This run's copy of the SQLite file `source`, removed (with its WAL files) by {@link removeCopies}. */
function ownCopy(dir: string, source: string, name: string): string {
  const copy = join(dir, `run-${process.pid}-${name}.sqlite3`);
  copyFileSync(source, copy);
  return copy;
}

function removeCopies(dir: string): void {
  for (const name of ["fixture", "users"])
    for (const suffix of ["", "-wal", "-shm"])
      rmSync(join(dir, `run-${process.pid}-${name}.sqlite3${suffix}`), { force: true });
}

/** A copy of the fixture for one run, its session last seen now (no sliding-expiry write during the run). */
function freshCopy(dir: string): string {
  const copy = ownCopy(dir, join(dir, "fixture.sqlite3"), "fixture");
  const database = openSqliteDatabase(copy);
  database.prepare("UPDATE latchkey_sessions SET last_seen_at = ?").run(Date.now());
  database.close();
  return copy;
}

/** Starts `variant` on a free port of 127.0.0.1; resolves to the port and how to stop it. */
async function start(
  variant: string,
  dir: string,
  prepared: Prepared,
): Promise<{ port: number; close(): Promise<void> }> {
  const store = STORE_OF[variant];
  if (store !== undefined) return startOverStore(store, dir, prepared);
  // The file is this run's fresh copy already, so the server opens it as it is.
  return startServer(specOf(variant, freshCopy(dir), prepared.whoamiBody, prepared.whoamiHeaders), (file) => file);
}

const DAY_MS = 86_400_000;

/**
 * The store variants' lease, the longest the config allows (renewed every 20 s, a third of
 * it). Renewals run on a wall-clock timer (every 667 ms by default), not per request, and
 * callgrind runs the process about 50 times slower than it runs alone: at the default the
 * count would carry some 50 times as many renewals per request as a real server does (each
 * an ioredis or node-postgres round trip), and the warm-up would interleave them with the
 * requests. With 60 s, at most a renewal or two fall inside a run.
 */
const LEASE_PERIOD_MS = "60000";

/**
 * The store variants' entry TTL: a day, where the default (60 s) re-read the session from the
 * store once a minute of wall clock, and a run under callgrind lasts minutes (a PostgreSQL
 * run had its two re-reads inside the count). Like the renewals, that is the clock's work,
 * not a request's.
 */
const TTL_SECONDS = "86400";

/** The fixture of a store variant, or an error naming what `prepare` did not make. */
function storeFixture<S extends "redis" | "postgres">(prepared: Prepared, store: S): NonNullable<Prepared[S]> {
  const fixture = prepared[store];
  if (fixture === undefined) throw new Error(`The fixture has no ${store} session.`);
  return fixture as NonNullable<Prepared[S]>;
}

/** The session token the client of `variant` sends (null: no cookie) and the status it expects back. */
function clientOf(variant: string, prepared: Prepared): { token: string | null; status: number } {
  if (variant === "ready-anonymous") return { token: null, status: 401 };
  const store = STORE_OF[variant];
  return { token: store === undefined ? prepared.token : storeFixture(prepared, store).token, status: 200 };
}

/**
 * The ready server over Redis sessions (users in this run's copy of the users' SQLite file)
 * or over PostgreSQL, with the session cache on. The session is first marked last seen now
 * through the store, as {@link freshCopy} does for SQLite, so no sliding-expiry write falls
 * inside the run.
 */
async function startOverStore(
  store: "redis" | "postgres",
  dir: string,
  prepared: Prepared,
): Promise<{ port: number; close(): Promise<void> }> {
  const { openStores } = await import("./servers/open-stores.js");
  const redis = store === "redis" ? storeFixture(prepared, "redis") : null;
  const { url, token } = redis ?? storeFixture(prepared, "postgres");
  const opened = await openStores(
    redis === null ? { type: "postgres", url } : { type: "redis", url, usersDatabase: redis.usersDatabase },
  );
  try {
    const now = Date.now();
    await opened.stores.sessions.updateSessionExpiration(token.slice(0, token.indexOf(".")), now, now + 14 * DAY_MS);
  } finally {
    await opened.close();
  }
  const storeSettings = redis === null ? { databaseUrl: url } : { redisUrl: url };
  const database = redis === null ? freshCopy(dir) : ownCopy(dir, redis.usersDatabase, "users");
  const settings = {
    ...storeSettings,
    "sessionCache.enabled": "true",
    "sessionCache.leasePeriodMs": LEASE_PERIOD_MS,
    "sessionCache.ttlSeconds": TTL_SECONDS,
  };
  return startServer({ kind: "ready", database, logLevel: "warn", settings }, (file) => file);
}

/**
 * The bench server of `variant` (every one but the store variants), over the SQLite file
 * `database`; `whoamiHeaders` are the ready server's, which the floor sends (see
 * {@link whoamiAnswer}).
 */
export function specOf(variant: string, database: string, whoamiBody: string, whoamiHeaders: string[]): ServerSpec {
  if (variant === "bare") return { kind: "bare-node", body: whoamiBody };
  if (variant === "floor") return { kind: "bare-node", body: whoamiBody, headers: whoamiHeaders };
  if (variant === "ready" || variant === "ready-anonymous")
    return { kind: "ready", database, logLevel: "warn", settings: {} };
  // Per-request logging, off and on: pino writes to the counting process's stdout, /dev/null.
  if (variant === "ready-log-info")
    return { kind: "ready", database, logLevel: "info", settings: { "accessLog.enabled": "false" } };
  if (variant === "ready-access-log")
    return { kind: "ready", database, logLevel: "info", settings: { "accessLog.enabled": "true" } };
  if (variant === "node-handle") return { kind: "latchkey-node", store: { type: "sqlite", database } };
  if (variant === "hono-pass-through") return { kind: "hono", database: null, passThrough: true };
  const dash = variant.lastIndexOf("-");
  const kind = variant.slice(0, dash);
  const auth = variant.slice(dash + 1) === "auth";
  if (kind === "node-route" || kind === "express" || kind === "fastify" || kind === "hono")
    return { kind, database: auth ? database : null };
  throw new Error(`Unknown variant ${variant}`);
}

/**
 * The ready server's authenticated whoami at `url` (e.g. `http://127.0.0.1:PORT`): its body,
 * and its headers flat (as `writeHead()` takes them) without Date and Connection/Keep-Alive,
 * which Node writes itself: what the floor variant sends.
 */
export function whoamiAnswer(url: string, token: string): Promise<{ headers: string[]; body: string }> {
  return new Promise((resolve, reject) => {
    get(`${url}${WHOAMI}`, { headers: { cookie: `sessionid=${token}` } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (part: string) => {
        text += part;
      });
      res.on("end", () => {
        if (res.statusCode !== 200) return reject(new Error(`whoami: ${res.statusCode} ${text}`));
        const headers: string[] = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) {
          const name = res.rawHeaders[i] as string;
          if (!["date", "connection", "keep-alive"].includes(name.toLowerCase()))
            headers.push(name, res.rawHeaders[i + 1] as string);
        }
        resolve({ headers, body: text });
      });
    }).on("error", reject);
  });
}

/**
 * Makes the SQLite fixture and captures the ready server's whoami; with `services`, also the
 * bench user and one session in each of `stores` (started through `services`).
 */
export async function prepare(
  dir: string,
  services: Services | null,
  stores: ReadonlySet<"redis" | "postgres">,
): Promise<void> {
  const database = join(dir, "fixture.sqlite3");
  const fixture = await createSqliteFixture(database, { sessions: 1, sample: 1, log: () => {} });
  const token = fixture.tokens[0];
  if (token === undefined) throw new Error("The fixture has no session.");
  const prepared: Prepared = { token, whoamiBody: fixture.user.whoamiBody, whoamiHeaders: [] };
  // The ready server's answer, whose headers the floor sends.
  const { readyServer } = await import("./servers/ready-server.js");
  const running = await readyServer(freshCopy(dir), "warn", {});
  try {
    const { headers, body } = await whoamiAnswer(running.url, token);
    if (body !== prepared.whoamiBody) throw new Error(`whoami answered ${body}, not ${prepared.whoamiBody}`);
    prepared.whoamiHeaders = headers;
  } finally {
    await running.close();
  }
  if (stores.has("redis")) {
    const redis = await services?.redis();
    if (redis === undefined || !redis.ok) throw new Error(`ready-redis-cache: ${redis?.reason ?? "no services"}`);
    const usersDatabase = join(dir, "redis-users.sqlite3");
    const fixture = await createRedisFixture(redis.server.url, usersDatabase, { sessions: 1, sample: 1 });
    const storeToken = fixture.tokens[0];
    if (storeToken === undefined) throw new Error("The Redis fixture has no session.");
    prepared.redis = { url: fixture.url, usersDatabase, token: storeToken };
  }
  if (stores.has("postgres")) {
    const postgres = await services?.postgres();
    if (postgres === undefined || !postgres.ok)
      throw new Error(`ready-postgres-cache: ${postgres?.reason ?? "no services"}`);
    const fixture = await createPostgresFixture(postgres.server.url, { sessions: 1, sample: 1 });
    const storeToken = fixture.tokens[0];
    if (storeToken === undefined) throw new Error("The PostgreSQL fixture has no session.");
    prepared.postgres = { url: fixture.url, token: storeToken };
  }
  writeFileSync(join(dir, "fixture.json"), JSON.stringify(prepared));
}

/**
 * Makes the fixture `variants` need in a fresh directory named from `prefix`, with the stores
 * they run over (redis-server and PostgreSQL on loopback, unpinned, as the counted processes
 * are), runs `body` with that directory, then stops the stores and removes it all.
 */
export async function withFixture(
  variants: readonly string[],
  prefix: string,
  body: (dir: string) => Promise<void>,
): Promise<void> {
  for (const variant of variants) if (!(variant in VARIANTS)) throw new Error(`Unknown variant ${variant}`);
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const stores = new Set(variants.flatMap((variant) => STORE_OF[variant] ?? []));
  const services = stores.size === 0 ? null : createServices(createChildRegistry({ pin: false, cores: 1 }), () => {});
  try {
    await prepare(dir, services, stores);
    await body(dir);
  } finally {
    await services?.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Starts `variant` in this process over the fixture {@link withFixture} made in `dir`:
 * `connect()` opens its client's one keep-alive connection (with the cookie and the status
 * the variant expects), `close()` stops the server and removes this run's copies.
 */
export async function startVariant(
  variant: string,
  dir: string,
): Promise<{ connect(): Promise<Client>; close(): Promise<void> }> {
  const path = VARIANTS[variant];
  if (path === undefined) throw new Error(`Unknown variant ${variant}; one of ${Object.keys(VARIANTS).join(", ")}`);
  const prepared = JSON.parse(readFileSync(join(dir, "fixture.json"), "utf8")) as Prepared;
  const server = await start(variant, dir, prepared);
  const { token, status } = clientOf(variant, prepared);
  return {
    connect: () => connectClientProcess(server.port, path, token, status, join(dir, `client-${process.pid}.log`)),
    async close() {
      await server.close();
      removeCopies(dir);
    },
  };
}
