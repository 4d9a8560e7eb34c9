import type { RedisClient } from "@latchkey/store-redis";
import type Database from "better-sqlite3";
import type pg from "pg";

/** A kind of data, named as in the server's store layout. */
export type StoreRole = "users" | "sessions" | "throttle";

/** How one kind of data's store answered the readiness check. */
export type StoreState = "ok" | "unavailable";

/** The answer of `GET /api/ready/`: whether every store this server uses answers. */
export interface Readiness {
  ready: boolean;
  stores: Record<StoreRole, StoreState>;
}

/** The connections a server opened, and which kind of data each one holds. */
export interface ReadinessBackends {
  sqlite: Database.Database | null;
  postgres: pg.Pool | null;
  redis: RedisClient | null;
  /** Which backend holds each kind of data. */
  roles: Record<StoreRole, "sqlite" | "postgres" | "redis">;
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
    return await Promise.race([probe().then(() => true, () => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Builds the readiness check: one cheap round trip to each backend in use (SQLite
 * `SELECT 1`, Redis `PING`, PostgreSQL `SELECT 1`), all at once, each bounded in time.
 * It reads no session and no user, so it tells a load balancer whether this node can serve
 * logins and authenticated requests without exercising either.
 */
export function createReadinessCheck(backends: ReadinessBackends): () => Promise<Readiness> {
  const { sqlite, postgres, redis, roles } = backends;
  const selectOne = sqlite?.prepare("SELECT 1");
  const probes: Record<"sqlite" | "postgres" | "redis", () => Promise<unknown>> = {
    sqlite: async () => selectOne?.get(),
    postgres: async () => postgres?.query("SELECT 1"),
    redis: async () => redis?.ping(),
  };
  return async () => {
    const used = [...new Set(Object.values(roles))];
    const results = new Map(await Promise.all(used.map(async (backend) => [backend, await answers(probes[backend])] as const)));
    const state = (name: StoreRole): StoreState => (results.get(roles[name]) === true ? "ok" : "unavailable");
    const stores = { users: state("users"), sessions: state("sessions"), throttle: state("throttle") };
    return { ready: Object.values(stores).every((s) => s === "ok"), stores };
  };
}
