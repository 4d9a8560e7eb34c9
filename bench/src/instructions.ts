/**
 * Instructions per request, counted by valgrind's callgrind: deterministic where wall-clock
 * and CPU-time figures swing ±40 % on a shared VM (and `perf stat` has no PMU to count with).
 *
 *   npx tsc -b && node bench/dist/instructions.js [variant …] [--warmup 5000] [--low 200] [--high 2200] [--keep DIR]
 *
 * For each variant it runs one node process under callgrind that starts the server under
 * test in-process and sends it `low`, then (in a second run) `high` keep-alive requests, one
 * at a time, from a raw-socket client in the same process; (Ir(high) − Ir(low)) ÷ (high −
 * low), without TurboFan's compiles (see optimisingCompiles), is the cost of one request,
 * start-up and warm-up cancelling out. Node runs with
 * `--single-threaded` (no concurrent compiler or marker threads), fixed hash and random
 * seeds, no scavenge tasks, and neither the memory reducer nor code flushing (all of them
 * timed by the event loop or the wall clock), so two identical runs agree to well under
 * 0.1 %. The client is the same for every variant, so the difference between two variants
 * is what the server does differently.
 * `--bytes` measures instead the bytes each variant allocates per request, outside callgrind
 * (the heap's growth over 1,000 requests, in 5 rounds; see allocated-bytes.ts).
 * `--keep DIR` keeps the callgrind files (`DIR/<variant>.<count>.out`) for callgrind_annotate;
 * add `--perf-basic-prof` via `--node-flag` to give JIT frames names.
 *
 * Variants (all but the two store ones over one real SQLite file with the bench user and one session):
 * - `floor`: bare `node:http` sending the exact status, headers and body the ready server's
 *   whoami sends (headers captured from it), with one `writeHead()` and `end()`;
 * - `bare`: the bench's bare server (Content-Type and Content-Length only);
 * - `ready`: the ready server's `GET /api/whoami/` (`@latchkey/server`, as `latchkey serve`);
 * - `ready-redis-cache`, `ready-postgres-cache`: the same over Redis sessions (users in a SQLite
 *   file) or over PostgreSQL, with the session cache on (leases and acknowledged invalidation):
 *   the store runs in a redis-server or PostgreSQL the driver starts on loopback (the bench's
 *   own starters, bench/src/services.ts) and stops at the end; callgrind traces only the node
 *   process, so the store's own work is not in the count, only the server's side of it;
 * - `node-handle`: `@latchkey/node`'s `handle()` on `node:http` (whoami);
 * - `<framework>-bare` / `<framework>-auth` for `node-route`, `express`, `fastify`, `hono`:
 *   the bench's app route `GET /api/profile/`, bare, or behind latchkey and `requireUser()`.
 *
 * Internally: `instructions.js prepare DIR` makes the fixture; `instructions.js loop VARIANT
 * COUNT DIR` is the process callgrind runs.
 */
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, get } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { openSqliteDatabase } from "@latchkey/store-sqlite";
import { createChildRegistry } from "./children.js";
import { createPostgresFixture } from "./fixtures/postgres-fixture.js";
import { createRedisFixture } from "./fixtures/redis-fixture.js";
import { COUNTED_NODE_FLAGS, countWarmRun, type Counted } from "./callgrind-counts.js";
import { createSqliteFixture } from "./fixtures/sqlite-fixture.js";
import { allocatedBytesPerRequest } from "./allocated-bytes.js";
import { APP_ROUTE, type ServerSpec } from "./servers/server-spec.js";
import { listen, startServer } from "./servers/start-server.js";
import { createServices, type Services } from "./services.js";

const WHOAMI = "/api/whoami/";

/** The variants, in table order, and the path each one is asked for. */
export const VARIANTS: Readonly<Record<string, string>> = {
  floor: WHOAMI,
  bare: WHOAMI,
  ready: WHOAMI,
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
  if (variant === "floor") {
    const server = createServer((_req, res) => {
      res.writeHead(200, prepared.whoamiHeaders);
      res.end(prepared.whoamiBody);
    });
    return { port: await listen(server), close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  }
  const store = STORE_OF[variant];
  if (store !== undefined) return startOverStore(store, dir, prepared);
  // The file is this run's fresh copy already, so the server opens it as it is.
  return startServer(specOf(variant, freshCopy(dir), prepared.whoamiBody), (file) => file);
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

/** The session token the client of `variant` sends. */
function tokenOf(variant: string, prepared: Prepared): string {
  const store = STORE_OF[variant];
  return store === undefined ? prepared.token : storeFixture(prepared, store).token;
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

/** The bench server of `variant` (every one but the floor), over the SQLite file `database`. */
function specOf(variant: string, database: string, whoamiBody: string): ServerSpec {
  if (variant === "bare") return { kind: "bare-node", body: whoamiBody };
  if (variant === "ready") return { kind: "ready", database, logLevel: "warn", settings: {} };
  if (variant === "node-handle") return { kind: "latchkey-node", store: { type: "sqlite", database } };
  const dash = variant.lastIndexOf("-");
  const kind = variant.slice(0, dash);
  const auth = variant.slice(dash + 1) === "auth";
  if (kind === "node-route" || kind === "express" || kind === "fastify" || kind === "hono")
    return { kind, database: auth ? database : null };
  throw new Error(`Unknown variant ${variant}`);
}

/** A keep-alive client on one connection: `send(n)` sends n requests, one at a time. */
interface Client {
  send(count: number): Promise<void>;
  close(): void;
}

/**
 * Connects to `port` for GET requests of `path` with the session cookie, and checks each
 * answer is a 200. A raw socket: the client's own cost stays small and equal for every
 * variant (Content-Length or chunked bodies). One connection for warm-up and count alike:
 * V8 specialises the server's code to the connection's objects, and a new connection
 * after the warm-up would deoptimise and recompile it inside the count.
 */
function connectClient(port: number, path: string, token: string): Promise<Client> {
  const request = Buffer.from(
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: application/json\r\nCookie: sessionid=${token}\r\n\r\n`,
    "latin1",
  );
  const socket = connect(port, "127.0.0.1");
  let left = 0;
  let pending = "";
  let settle: { resolve(): void; reject(error: Error): void } | null = null;
  const fail = (error: Error) => {
    settle?.reject(error);
    settle = null;
  };
  const next = () => {
    if (left === 0) {
      const done = settle;
      settle = null;
      done?.resolve();
      return;
    }
    left -= 1;
    socket.write(request);
  };
  socket.on("error", fail);
  socket.on("data", (chunk: Buffer) => {
    pending += chunk.toString("latin1");
    const end = pending.indexOf("\r\n\r\n");
    if (end === -1) return;
    const head = pending.slice(0, end);
    if (!head.startsWith("HTTP/1.1 200 ")) {
      fail(new Error(`Not a 200: ${head.split("\r\n")[0]}`));
      socket.destroy();
      return;
    }
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    let complete: number;
    if (length !== null) complete = end + 4 + Number(length[1]);
    else {
      const last = pending.indexOf("\r\n0\r\n\r\n", end);
      if (last === -1) return;
      complete = last + 7;
    }
    if (pending.length < complete) return;
    pending = pending.slice(complete);
    next();
  });
  const client: Client = {
    send(count) {
      return new Promise((resolve, reject) => {
        settle = { resolve, reject };
        left = count;
        next();
      });
    },
    close: () => socket.end(),
  };
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve(client));
    socket.once("error", reject);
  });
}

/**
 * Makes the SQLite fixture and captures the ready server's whoami; with `services`, also the
 * bench user and one session in each of `stores` (started through `services`).
 */
async function prepare(
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
    const { headers, body } = await new Promise<{ headers: string[]; body: string }>((resolve, reject) => {
      get(`${running.url}${WHOAMI}`, { headers: { cookie: `sessionid=${token}` } }, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (part: string) => {
          text += part;
        });
        res.on("end", () =>
          res.statusCode === 200
            ? resolve({ headers: res.rawHeaders, body: text })
            : reject(new Error(`whoami: ${res.statusCode} ${text}`)),
        );
      }).on("error", reject);
    });
    if (body !== prepared.whoamiBody) throw new Error(`whoami answered ${body}, not ${prepared.whoamiBody}`);
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i] as string;
      if (!["date", "connection", "keep-alive"].includes(name.toLowerCase()))
        prepared.whoamiHeaders.push(name, headers[i + 1] as string);
    }
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

/** Resolves once `file` exists, looking every few milliseconds (the driver creates it). */
function whenExists(file: string): Promise<void> {
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      if (!existsSync(file)) return;
      clearInterval(timer);
      resolve();
    }, 5);
  });
}

async function loop(variant: string, warmup: number, count: number, dir: string): Promise<void> {
  const path = VARIANTS[variant];
  if (path === undefined) throw new Error(`Unknown variant ${variant}; one of ${Object.keys(VARIANTS).join(", ")}`);
  const prepared = JSON.parse(readFileSync(join(dir, "fixture.json"), "utf8")) as Prepared;
  const server = await start(variant, dir, prepared);
  const signal = process.env.INSTRUCTIONS_SIGNAL;
  try {
    // Warm-up outside the count (callgrind starts with instrumentation off): V8 is still
    // compiling the request path with TurboFan after 3,000 requests.
    const client = await connectClient(server.port, path, tokenOf(variant, prepared));
    await client.send(warmup);
    const rounds = process.env.INSTRUCTIONS_BYTES_ROUNDS;
    if (rounds !== undefined) {
      // `--bytes`: the heap's growth per request instead of a count (see measureBytes).
      const perRequest = await allocatedBytesPerRequest((n) => client.send(n), count, Number(rounds));
      process.stdout.write(`${JSON.stringify(perRequest)}\n`);
      client.close();
      return;
    }
    // A full collection before the count: each run starts it with the same empty young
    // generation and a freshly compacted old one, so the collections inside the count are
    // the ones its requests cause. With only a scavenge here, whether the old generation's
    // next mark-compact fell inside the 2,200-request run depended on the warm-up's leftovers:
    // two runs of Express's bare route gave 576,800 and 652,700 (a mark-compact of about
    // 100 million instructions in the second alone).
    const collect: unknown = Reflect.get(globalThis, "gc");
    if (typeof collect === "function") collect({ type: "major", execution: "sync" });
    if (signal !== undefined) {
      writeFileSync(`${signal}.warm`, String(process.pid));
      await whenExists(`${signal}.go`);
    }
    await client.send(count);
    client.close();
  } finally {
    await server.close();
    removeCopies(dir);
    // With --perf-basic-prof, V8's map of JIT code names, kept beside the callgrind file.
    const map = `/tmp/perf-${process.pid}.map`;
    if (signal !== undefined && existsSync(map)) copyFileSync(map, `${signal}.map`);
  }
}

/**
 * `--bytes`: the bytes `variant` allocates per request, outside callgrind: after the warm-up,
 * `rounds` rounds of `count` requests, each the heap's growth over the round (see
 * allocatedBytesPerRequest), in a node with 64 MiB semi-spaces so no scavenge falls inside a
 * round. The flags are otherwise the counted runs' (one thread, fixed seeds).
 */
function measureBytes(variant: string, warmup: number, count: number, dir: string, rounds: number): Promise<string> {
  const flags = COUNTED_NODE_FLAGS.filter((flag) => !flag.includes("semi-space"));
  const command = [...flags, "--min-semi-space-size=64", "--max-semi-space-size=64"];
  const script = fileURLToPath(import.meta.url);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...command, script, "loop", variant, String(warmup), String(count), dir], {
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, UV_THREADPOOL_SIZE: "1", INSTRUCTIONS_BYTES_ROUNDS: String(rounds) },
    });
    let text = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (part: string) => {
      text += part;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      const line = text.trim().split("\n").at(-1) ?? "";
      if (code === 0 && line.startsWith("[")) resolve(line);
      else reject(new Error(`${variant} --bytes failed (${code}): ${text}`));
    });
  });
}

/** Counts one run of `count` requests to `variant` (see {@link countWarmRun}). */
function countInstructions(
  variant: string,
  warmup: number,
  count: number,
  dir: string,
  out: string,
  nodeFlags: string[],
): Promise<Counted> {
  const script = fileURLToPath(import.meta.url);
  return countWarmRun({
    command: [
      process.execPath,
      ...COUNTED_NODE_FLAGS,
      ...nodeFlags,
      script,
      "loop",
      variant,
      String(warmup),
      String(count),
      dir,
    ],
    out,
    what: `${variant} × ${count}`,
    env: { ...process.env, UV_THREADPOOL_SIZE: "1", INSTRUCTIONS_SIGNAL: out },
  });
}

async function main(): Promise<void> {
  const [mode, ...rest] = process.argv.slice(2);
  if (mode === "prepare") return prepare(rest[0] ?? "", null, new Set());
  if (mode === "loop") return loop(rest[0] ?? "", Number(rest[1]), Number(rest[2]), rest[3] ?? "");
  const { values, positionals } = parseArgs({
    args: process.argv.slice(2),
    allowPositionals: true,
    options: {
      warmup: { type: "string", default: "5000" },
      low: { type: "string", default: "200" },
      high: { type: "string", default: "2200" },
      keep: { type: "string" },
      bytes: { type: "boolean", default: false },
      "node-flag": { type: "string", multiple: true, default: [] },
    },
  });
  const warmup = Number(values.warmup);
  const low = Number(values.low);
  const high = Number(values.high);
  const variants = positionals.length > 0 ? positionals : Object.keys(VARIANTS);
  for (const variant of variants) if (!(variant in VARIANTS)) throw new Error(`Unknown variant ${variant}`);
  const dir = mkdtempSync(join(tmpdir(), "latchkey-instructions-"));
  const keep = values.keep ?? null;
  if (keep !== null && !existsSync(keep)) mkdirSync(keep, { recursive: true });
  const stores = new Set(variants.flatMap((variant) => STORE_OF[variant] ?? []));
  // redis-server and PostgreSQL on loopback, started here (not under valgrind, so their work
  // is not counted) and stopped at the end; unpinned, as the loops under callgrind are.
  const services = stores.size === 0 ? null : createServices(createChildRegistry({ pin: false, cores: 1 }), () => {});
  try {
    await prepare(dir, services, stores);
    if (values.bytes) {
      // 1,000 requests a round: Express's route (about 31 KB a request) fits a 64 MiB semi-space.
      console.log("bytes allocated per request (heap growth over 1,000 requests, 5 rounds; null: a GC ran inside)");
      for (const variant of variants)
        console.log(`${variant.padEnd(16)} ${await measureBytes(variant, warmup, 1000, dir, 5)}`);
      return;
    }
    console.log(
      `instructions per request: (Ir(${high}) − Ir(${low})) ÷ ${high - low} without TurboFan's compiles, callgrind, node --single-threaded; in brackets with them`,
    );
    for (const variant of variants) {
      const outOf = (count: number) => join(keep ?? dir, `${variant}.${count}.out`);
      // The two runs side by side: callgrind is single-threaded, and they do not share anything.
      const [a, b] = await Promise.all([
        countInstructions(variant, warmup, low, dir, outOf(low), values["node-flag"]),
        countInstructions(variant, warmup, high, dir, outOf(high), values["node-flag"]),
      ]);
      const perRequest = (x: number, y: number): string => Math.round((y - x) / (high - low)).toLocaleString("en-US");
      console.log(
        `${variant.padEnd(16)} ${perRequest(a.total - a.compiles, b.total - b.compiles).padStart(9)}   (${perRequest(a.total, b.total)}; Ir ${a.total} → ${b.total}, compiles ${a.compiles} → ${b.compiles})`,
      );
    }
  } finally {
    await services?.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
