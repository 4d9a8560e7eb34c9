import assert from "node:assert/strict";
import { startPostgres, startRedis, type PostgresServer, type RedisServer } from "@latchkey/testkit";
import { runLatchkey, startServe, tempDir, type CommandResult, type ServeProcess } from "../server/latchkey-process.js";

/** The password every fixture user starts with. */
export const PASSWORD = "correct horse battery staple";

/** A real redis-server and PostgreSQL, and the environment that points latchkey at both. */
export interface Backends {
  readonly redis: RedisServer;
  readonly postgres: PostgresServer;
  /** `LATCHKEY_REDIS_URL` and `LATCHKEY_DATABASE_URL`. */
  readonly env: Readonly<Record<string, string>>;
  dispose(): Promise<void>;
}

/**
 * Starts Redis (with an append-only file fsynced on every write, so a stop and restart keeps
 * the sessions, as a production Redis with AOF does) and PostgreSQL on free loopback ports.
 */
export async function startBackends(): Promise<Backends> {
  const redis = await startRedis({ extraArgs: ["--appendonly", "yes", "--appendfsync", "always"] });
  let postgres: PostgresServer;
  try {
    postgres = await startPostgres();
  } catch (error) {
    await redis.dispose();
    throw error;
  }
  return {
    redis,
    postgres,
    env: { LATCHKEY_REDIS_URL: redis.url, LATCHKEY_DATABASE_URL: postgres.url },
    async dispose() {
      await Promise.all([redis.dispose(), postgres.dispose()]);
    },
  };
}

/** Several `latchkey serve` processes sharing one configuration (and so one Redis and PostgreSQL). */
export interface Nodes {
  readonly dir: string;
  readonly servers: ServeProcess[];
  /** Runs `latchkey <args>` with the nodes' configuration (same stores). */
  latchkey(args: readonly string[], env?: Readonly<Record<string, string>>): Promise<CommandResult>;
  /** Creates a superuser with {@link PASSWORD}. */
  createUser(username: string): Promise<void>;
  /** Starts one more node with the same configuration. */
  addNode(): Promise<ServeProcess>;
  close(): Promise<void>;
}

/**
 * Migrates the shared databases once, then starts `count` servers on free ports, all with
 * `env` (the backends' URLs plus any setting, such as `LATCHKEY_SESSION_CACHE_ENABLED`).
 * Throttling is off: the tests log in many times from one IP on purpose.
 */
export async function startNodes(count: number, env: Readonly<Record<string, string>>): Promise<Nodes> {
  const dir = tempDir("latchkey-scale-");
  const fullEnv = { LATCHKEY_THROTTLE_ENABLED: "false", LATCHKEY_LOG_LEVEL: "info", ...env };
  const latchkey = (args: readonly string[], extra: Readonly<Record<string, string>> = {}) =>
    runLatchkey(args, { cwd: dir.path, env: { ...fullEnv, ...extra } });
  const servers: ServeProcess[] = [];
  const addNode = async () => {
    const server = await startServe(["--port", "0"], {
      cwd: dir.path,
      env: { ...fullEnv, LATCHKEY_MIGRATE_ON_START: "false" },
    });
    servers.push(server);
    return server;
  };
  try {
    const migrated = await latchkey(["migrate"]);
    assert.equal(migrated.code, 0, migrated.stderr);
    await Promise.all(Array.from({ length: count }, () => addNode()));
  } catch (error) {
    await Promise.all(servers.map((server) => server.stop("SIGKILL")));
    dir.cleanup();
    throw error;
  }
  return {
    dir: dir.path,
    servers,
    latchkey,
    addNode,
    async createUser(username) {
      const created = await latchkey(
        ["createsuperuser", "--noinput", "--username", username, "--email", `${username}@example.com`],
        { LATCHKEY_SUPERUSER_PASSWORD: PASSWORD },
      );
      assert.equal(created.code, 0, created.stderr);
    },
    async close() {
      await Promise.all(servers.map((server) => server.stop()));
      dir.cleanup();
    },
  };
}

/** A response, as the scale tests look at it. */
export interface Reply {
  status: number;
  json: Record<string, unknown>;
  setCookies: string[];
  /** When the response was complete (performance.now()). */
  at: number;
}

/**
 * One browser behind a load balancer: one cookie jar, and each request sent to whichever
 * node the test names (as the balancer would). Cookies are host-only on 127.0.0.1, so a
 * browser would send them to every port; this client does the same.
 */
export interface Browser {
  request(node: ServeProcess, method: string, path: string, json?: unknown): Promise<Reply>;
  login(node: ServeProcess, username: string, password?: string): Promise<Reply>;
  whoami(node: ServeProcess): Promise<Reply>;
  logout(node: ServeProcess): Promise<Reply>;
  changePassword(node: ServeProcess, oldPassword: string, newPassword: string): Promise<Reply>;
  cookie(name: string): string | undefined;
}

export function createBrowser(): Browser {
  const jar = new Map<string, string>();
  let csrfToken: string | undefined;

  async function request(node: ServeProcess, method: string, path: string, json?: unknown): Promise<Reply> {
    const headers: Record<string, string> = {};
    if (jar.size > 0) headers.cookie = [...jar].map(([name, value]) => `${name}=${value}`).join("; ");
    if (method !== "GET") {
      // What a same-origin SPA sends: the balancer's origin is the node's here.
      headers.origin = node.url;
      headers["sec-fetch-site"] = "same-origin";
      if (csrfToken !== undefined) headers["x-csrftoken"] = csrfToken;
    }
    if (json !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(node.url + path, {
      method,
      headers,
      ...(json === undefined ? {} : { body: JSON.stringify(json) }),
    });
    const text = await res.text();
    const at = performance.now();
    const setCookies = res.headers.getSetCookie();
    for (const line of setCookies) {
      const [pair = "", ...attributes] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a));
      if (expired) jar.delete(name);
      else jar.set(name, pair.slice(eq + 1).trim());
    }
    csrfToken = res.headers.get("x-csrftoken") ?? csrfToken;
    let body: Record<string, unknown> = {};
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed))
        body = Object.fromEntries(Object.entries(parsed));
    } catch {
      // Not JSON: the assertions on status say enough.
    }
    return { status: res.status, json: body, setCookies, at };
  }

  return {
    request,
    async login(node, username, password = PASSWORD) {
      await request(node, "GET", "/api/csrf/");
      return request(node, "POST", "/api/login/", { username, password });
    },
    whoami: (node) => request(node, "GET", "/api/whoami/"),
    logout: (node) => request(node, "POST", "/api/logout/"),
    changePassword: (node, oldPassword, newPassword) =>
      request(node, "POST", "/api/password/change/", { old_password: oldPassword, new_password: newPassword }),
    cookie: (name) => jar.get(name),
  };
}

/** `GET /api/whoami/` with only this session cookie (a copied or stolen cookie, no browser state). */
export async function whoamiWithCookie(node: ServeProcess, sessionCookie: string): Promise<Reply> {
  const res = await fetch(`${node.url}/api/whoami/`, { headers: { cookie: `sessionid=${sessionCookie}` } });
  const text = await res.text();
  const at = performance.now();
  let json: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed))
      json = Object.fromEntries(Object.entries(parsed));
  } catch {
    // Not JSON.
  }
  return { status: res.status, json, setCookies: res.headers.getSetCookie(), at };
}
