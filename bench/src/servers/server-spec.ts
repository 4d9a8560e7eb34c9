/** Where a latchkey server under test keeps its sessions and users. */
export type StoreSpec =
  /** `cacheEntries`: the SQLite stores' read cache size (0 turns it off). @default the stores' default */
  | { type: "sqlite"; database: string; cacheEntries?: number }
  /** Sessions (and throttle counters) in Redis, users in SQLite: the pairing store-redis documents. */
  | { type: "redis"; url: string; usersDatabase: string }
  | { type: "postgres"; url: string };

/** A server the bench starts in a child process of its own. */
export type ServerSpec =
  /**
   * `node:http` answering every request with `body`, no auth: the ceiling. With `headers`
   * (flat, as `writeHead()` takes them), those instead of Content-Type and Content-Length:
   * the floor, latchkey's exact answer with nothing computed.
   */
  | { kind: "bare-node"; body: string; headers?: string[] }
  /**
   * The ready server (`@latchkey/server`'s startServer) over a SQLite file, or with
   * `settings` (config-file keys: `redisUrl`, `databaseUrl`, `sessionCache.enabled`, …) as
   * its command-line overrides.
   */
  | { kind: "ready"; database: string; logLevel: "warn" | "info"; settings: Record<string, string> }
  /** latchkey's routes on plain `node:http` through `@latchkey/node`, over any store. */
  | { kind: "latchkey-node"; store: StoreSpec }
  /** An Express 5 app route; with `database`, behind latchkey's middleware and `requireUser()`. */
  | { kind: "express"; database: string | null }
  /** A Fastify 5 app route; with `database`, behind latchkey's plugin and `app.requireUser()`. */
  | { kind: "fastify"; database: string | null }
  /**
   * A Hono 4 app route on `@hono/node-server`; with `database`, behind latchkey's middleware
   * and `requireUser()`. With `passThrough` (and no database), behind two middlewares that
   * only call `next()`, mounted where latchkey's two are: Hono's own cost of that layering.
   */
  | { kind: "hono"; database: string | null; passThrough?: boolean }
  /** A `node:http` app route; with `database`, behind `@latchkey/node`'s `handle()` and `require()`. */
  | { kind: "node-route"; database: string | null }
  /**
   * Peer: Express 5 + express-session + connect-redis, sessions in the Redis at `redisUrl`; whoami answers `userJson`.
   */
  | { kind: "peer-express-session"; redisUrl: string; username: string; password: string; userJson: string }
  /** Peer: better-auth with email and password over a fresh SQLite file, with one user. */
  | { kind: "peer-better-auth"; database: string; email: string; password: string; name: string };

/** The app route the Express, Fastify, Hono and `node:http` app servers serve. */
export const APP_ROUTE = "/api/profile/";

/** What the app route answers; the protected version puts the user's name where the bare one has a constant. */
export function appRouteBody(username: string): { ok: true; user: string } {
  return { ok: true, user: username };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return isRecord(value) && Object.values(value).every((v) => typeof v === "string");
}

function nullableString(value: unknown): value is string | null {
  return value === null || typeof value === "string";
}

function parseStore(value: unknown): StoreSpec | null {
  if (!isRecord(value)) return null;
  if (value.type === "sqlite" && typeof value.database === "string") {
    if (typeof value.cacheEntries === "number")
      return { type: "sqlite", database: value.database, cacheEntries: value.cacheEntries };
    return { type: "sqlite", database: value.database };
  }
  if (value.type === "redis" && typeof value.url === "string" && typeof value.usersDatabase === "string") {
    return { type: "redis", url: value.url, usersDatabase: value.usersDatabase };
  }
  if (value.type === "postgres" && typeof value.url === "string") return { type: "postgres", url: value.url };
  return null;
}

/** The spec in a server child's command line (JSON), checked. */
export function parseServerSpec(text: string): ServerSpec {
  const value: unknown = JSON.parse(text);
  if (isRecord(value)) {
    if (value.kind === "bare-node" && typeof value.body === "string") {
      const headers = value.headers;
      if (Array.isArray(headers) && headers.every((h) => typeof h === "string"))
        return { kind: "bare-node", body: value.body, headers };
      return { kind: "bare-node", body: value.body };
    }
    if (
      value.kind === "ready" &&
      typeof value.database === "string" &&
      (value.logLevel === "warn" || value.logLevel === "info") &&
      isStringRecord(value.settings)
    ) {
      return { kind: "ready", database: value.database, logLevel: value.logLevel, settings: value.settings };
    }
    if (value.kind === "latchkey-node") {
      const store = parseStore(value.store);
      if (store !== null) return { kind: "latchkey-node", store };
    }
    if (value.kind === "hono" && value.database === null && value.passThrough === true)
      return { kind: "hono", database: null, passThrough: true };
    if (
      (value.kind === "express" || value.kind === "fastify" || value.kind === "hono" || value.kind === "node-route") &&
      nullableString(value.database)
    )
      return { kind: value.kind, database: value.database };
    if (
      value.kind === "peer-express-session" &&
      typeof value.redisUrl === "string" &&
      typeof value.username === "string" &&
      typeof value.password === "string" &&
      typeof value.userJson === "string"
    ) {
      return {
        kind: value.kind,
        redisUrl: value.redisUrl,
        username: value.username,
        password: value.password,
        userJson: value.userJson,
      };
    }
    if (
      value.kind === "peer-better-auth" &&
      typeof value.database === "string" &&
      typeof value.email === "string" &&
      typeof value.password === "string" &&
      typeof value.name === "string"
    ) {
      return {
        kind: value.kind,
        database: value.database,
        email: value.email,
        password: value.password,
        name: value.name,
      };
    }
  }
  throw new Error(`Not a server spec: ${text}`);
}
