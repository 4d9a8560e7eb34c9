import type { CacheLeaseStore } from "@latchkey/core";
import type pg from "pg";

// The renewal locks the counter row (FOR SHARE) in the statement that writes its lease, and
// holds the lock until that statement commits. An increment (UPDATE of the same row) waits
// for it, so: either the renewal read the counter after the increment committed (it returns
// the new value), or the renewal's lease row committed before the increment did, and the
// revoker's lease read, a later statement, sees it. That is the CacheLeaseStore ordering.
// It rests on the row lock and on commit order only, not on which connection runs what: the
// renewals may run on a connection of their own while the revoker uses the request pool.
const RENEW = `
  WITH lease AS (
    INSERT INTO latchkey_cache_leases (process_id, expires_at)
    VALUES ($1, clock_timestamp() + $2 * interval '1 millisecond')
    ON CONFLICT (process_id) DO UPDATE SET expires_at = EXCLUDED.expires_at
  )
  SELECT counter FROM latchkey_cache_revocations WHERE id = 1 FOR SHARE`;
const INCREMENT = "UPDATE latchkey_cache_revocations SET counter = counter + 1 WHERE id = 1 RETURNING counter";
// Leases gone for an hour (processes that stopped) are removed on the way.
const LIVE = `
  WITH gone AS (DELETE FROM latchkey_cache_leases WHERE expires_at < clock_timestamp() - interval '1 hour')
  SELECT process_id FROM latchkey_cache_leases WHERE expires_at > clock_timestamp()`;
const RELEASE = "DELETE FROM latchkey_cache_leases WHERE process_id = $1";

function counterOf(rows: { counter: unknown }[]): number {
  const value = Number(rows[0]?.counter);
  if (!Number.isSafeInteger(value))
    throw new Error("latchkey_cache_revocations has no counter row; run the migrations");
  return value;
}

/** Where {@link postgresCacheLeases} sends its statements: a pool, or a client. */
export type PostgresQueryable = Pick<pg.Pool, "query">;

/** Options of {@link postgresCacheLeases}. */
export interface PostgresCacheLeasesOptions {
  /**
   * Where renewals and releases run instead of `pool`: a connection kept for them (the
   * invalidation bus passes a pool of size 1), so a renewal never queues behind request
   * queries for a connection of the busy pool and the lease does not lapse under load.
   * Revocations (increment, lease list) stay on `pool`. @default the pool
   */
  renewals?: PostgresQueryable;
}

/**
 * The session cache's leases and revocation counter in PostgreSQL (see
 * {@link CacheLeaseStore}); tables of migration 5. Lease ends follow the database's clock.
 */
export function postgresCacheLeases(
  pool: PostgresQueryable,
  options: PostgresCacheLeasesOptions = {},
): CacheLeaseStore {
  const renewals = options.renewals ?? pool;
  async function live(): Promise<string[]> {
    const result = await pool.query<{ process_id: string }>(LIVE);
    return result.rows.map((row) => row.process_id);
  }
  return Object.freeze({
    async renew(processId: string, periodMs: number): Promise<number> {
      return counterOf((await renewals.query<{ counter: unknown }>(RENEW, [processId, periodMs])).rows);
    },
    async recordRevocation(): Promise<{ counter: number; leases: string[] }> {
      const counter = counterOf((await pool.query<{ counter: unknown }>(INCREMENT)).rows);
      // A statement of its own, so its snapshot is taken after the increment committed.
      return { counter, leases: await live() };
    },
    liveLeases: live,
    async release(processId: string): Promise<void> {
      await renewals.query(RELEASE, [processId]);
    },
  });
}
