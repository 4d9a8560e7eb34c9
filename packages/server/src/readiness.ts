import type { InvalidationBus } from "@latchkey/core";
import type { RedisClient } from "@latchkey/store-redis";
import type Database from "better-sqlite3";
import type pg from "pg";

/** A kind of data, named as in the server's store layout. */
export type StoreRole = "users" | "sessions" | "throttle";

/** How one kind of data's store answered the readiness check. */
export type StoreState = "ok" | "unavailable";

/**
 * With the session cache on: `serving` while its invalidation bus is subscribed (cached
 * sessions are answered without the stores), `bypassed` while it is not (every request reads
 * the stores).
 */
export type SessionCacheState = "serving" | "bypassed";

/** The answer of `GET /api/ready/`: whether this node can serve, and each store's state. */
export interface Readiness {
  ready: boolean;
  stores: Record<StoreRole, StoreState>;
  /** Present only with the session cache on. */
  sessionCache?: SessionCacheState;
}

/** The connections a server opened, and which kind of data each one holds. */
export interface ReadinessBackends {
  sqlite: Database.Database | null;
  postgres: pg.Pool | null;
  redis: RedisClient | null;
  /** Which backend holds each kind of data. */
  roles: Record<StoreRole, "sqlite" | "postgres" | "redis">;
  /** The session cache's invalidation bus, or null when the cache is off. */
  bus: InvalidationBus | null;
}

/**
 * A backend that has not answered by then counts as unavailable: a frozen store (the process
 * stopped, a network black hole) must not hang the load balancer's probe. Milliseconds.
 */
export const READINESS_TIMEOUT_MS = 2_000;

/** Resolves to true if `probe` settles without error within {@link READINESS_TIMEOUT_MS}. */
async function answers(probe: () => Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), READINESS_TIMEOUT_MS);
  });
  try {
    return await Promise.race([
      probe().then(
        () => true,
        () => false,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Builds the readiness check: one cheap round trip to each backend in use (SQLite
 * `SELECT 1`, Redis `PING`, PostgreSQL `SELECT 1`), all at once, each bounded in time.
 * It reads no session and no user.
 *
 * Ready means "send this node requests": every store answers; or, with the session cache
 * on and its bus subscribed, the session and throttle stores answer while the user store
 * does not, because the node then still answers every logged-in user's requests from its
 * cache (logins and password changes get 503, as on any other node sharing that store).
 * Taking every node out of rotation for a shared user-store outage would refuse those too.
 */
export function createReadinessCheck(backends: ReadinessBackends): () => Promise<Readiness> {
  const { sqlite, postgres, redis, roles, bus } = backends;
  const selectOne = sqlite?.prepare("SELECT 1");
  const probes: Record<"sqlite" | "postgres" | "redis", () => Promise<unknown>> = {
    sqlite: async () => selectOne?.get(),
    postgres: async () => postgres?.query("SELECT 1"),
    redis: async () => redis?.ping(),
  };
  return async () => {
    const used = [...new Set(Object.values(roles))];
    const results = new Map(
      await Promise.all(used.map(async (backend) => [backend, await answers(probes[backend])] as const)),
    );
    const state = (name: StoreRole): StoreState => (results.get(roles[name]) === true ? "ok" : "unavailable");
    const stores = { users: state("users"), sessions: state("sessions"), throttle: state("throttle") };
    if (bus === null) return { ready: Object.values(stores).every((s) => s === "ok"), stores };
    const sessionCache: SessionCacheState = bus.status === "ready" ? "serving" : "bypassed";
    const ready =
      stores.sessions === "ok" && stores.throttle === "ok" && (stores.users === "ok" || sessionCache === "serving");
    return { ready, stores, sessionCache };
  };
}
