import { findProgram, startPostgres, startRedis, type PostgresServer, type RedisServer } from "@latchkey/testkit";
import type { ChildRegistry } from "./children.js";
import { postmasterPid } from "./fixtures/postgres-fixture.js";
import { redisPid } from "./fixtures/redis-fixture.js";
import { childPids, familyCpuSecondsOf } from "./proc.js";
import type { StoreCpu, StoreName } from "./results.js";

/** A store service, or why there is none. */
export type Service<T> = { ok: true; server: T; pid: number } | { ok: false; reason: string };

/**
 * Redis and PostgreSQL for the scenarios that use them: started on first use (via @latchkey/testkit), stopped at the
 * end.
 */
export interface Services {
  redis(): Promise<Service<RedisServer>>;
  postgres(): Promise<Service<PostgresServer>>;
  /**
   * CPU-seconds each store started so far has used since it started, all its processes
   * together (redis-server's threads; the postmaster, its backends and helpers, and those that
   * have exited). A store not started, or whose /proc cannot be read, is absent.
   */
  cpuSeconds(): StoreCpu;
  dispose(): Promise<void>;
}

/**
 * Starts each service once, when first asked, on a free loopback port with a throwaway
 * directory, pinned (with all its threads, and PostgreSQL's already-forked helpers; later
 * backends inherit the postmaster's affinity) to core 0 beside the server under test.
 * A missing program is not an error: the scenario says "skipped: … not installed".
 */
export function createServices(registry: ChildRegistry, log: (line: string) => void): Services {
  let redis: Promise<Service<RedisServer>> | undefined;
  let postgres: Promise<Service<PostgresServer>> | undefined;
  // Pids of the started stores, for cpuSeconds(): the root of each store's processes.
  const pids = new Map<StoreName, number>();

  async function startRedisService(): Promise<Service<RedisServer>> {
    if (findProgram("redis-server") === null) return { ok: false, reason: "skipped: redis-server not installed" };
    log("  starting redis-server (via @latchkey/testkit)");
    const server = await startRedis();
    const pid = await redisPid(server.url);
    registry.pinProcess(pid, 0);
    pids.set("redis", pid);
    return { ok: true, server, pid };
  }

  async function startPostgresService(): Promise<Service<PostgresServer>> {
    const missing = ["initdb", "postgres", "pg_isready", "createdb"].filter((p) => findProgram(p) === null);
    if (missing.length > 0) return { ok: false, reason: `skipped: PostgreSQL (${missing.join(", ")}) not installed` };
    log("  starting PostgreSQL (via @latchkey/testkit)");
    const server = await startPostgres({ database: "latchkey_bench" });
    const pid = await postmasterPid(server.url);
    registry.pinProcess(pid, 0);
    for (const helper of childPids(pid)) registry.pinProcess(helper, 0);
    pids.set("postgres", pid);
    return { ok: true, server, pid };
  }

  return {
    redis: () => (redis ??= startRedisService()),
    postgres: () => (postgres ??= startPostgresService()),
    cpuSeconds() {
      const cpu: StoreCpu = {};
      for (const [name, pid] of pids) {
        const seconds = familyCpuSecondsOf(pid);
        if (seconds !== null) cpu[name] = seconds;
      }
      return cpu;
    },
    async dispose() {
      pids.clear();
      const started = await Promise.allSettled([redis, postgres].filter((p) => p !== undefined));
      await Promise.allSettled(
        started.map(async (outcome) => {
          if (outcome.status === "fulfilled" && outcome.value.ok) await outcome.value.server.dispose();
        }),
      );
    },
  };
}
