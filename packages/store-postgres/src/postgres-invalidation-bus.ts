import { randomBytes } from "node:crypto";
import {
  createBusSubscription,
  decodeInvalidation,
  encodeInvalidation,
  silentLogger,
  trackLeases,
  type InvalidationBus,
  type Logger,
} from "@latchkey/core";
import pg from "pg";
import { postgresCacheLeases } from "./postgres-cache-leases.js";

/** Options of {@link postgresInvalidationBus}. */
export interface PostgresInvalidationBusOptions {
  /**
   * The pool the stores use. Events are published and revocations recorded through it; the
   * bus opens, with the pool's settings, one listening connection and one connection for its
   * lease renewals (when the cache takes a lease). The caller owns the pool.
   */
  pool: pg.Pool;
  /** Channel name: lower-case letters, digits and `_`, at most 40 characters. @default "latchkey_invalidations" */
  channel?: string;
  /** Where the bus says that its subscription was lost or is back. @default silent */
  logger?: Logger;
}

/** The channel the bus listens on unless told otherwise. */
export const DEFAULT_INVALIDATION_CHANNEL = "latchkey_invalidations";

/** How long a sync marker may take to come back when the pool sets no `query_timeout`. Milliseconds. */
const DEFAULT_SYNC_TIMEOUT_MS = 5_000;

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * An {@link InvalidationBus} over PostgreSQL LISTEN/NOTIFY.
 *
 * Events are sent with `SELECT pg_notify(channel, event)` on the pool (autocommit, so
 * `publish` resolves once the NOTIFY is committed) and received on a dedicated connection
 * that LISTENs, opened by the first `subscribe()` and re-opened by the bus itself (100 ms to
 * 2 s apart) after any drop. Its {@link InvalidationBus.leases} renew on one more connection
 * of their own (see postgresCacheLeases); `close()` ends both. It reports `ready` once LISTEN is in place, then hands
 * `{ kind: "all" }` to its handlers, because notifications sent meanwhile are lost.
 *
 * `sync()` sends a marker NOTIFY on a channel only this bus listens to, and waits for it.
 * PostgreSQL delivers notifications of different transactions in commit order, so the
 * marker (committed after the call) arrives after every event committed before the call.
 */
export function postgresInvalidationBus(options: PostgresInvalidationBusOptions): InvalidationBus {
  const { pool } = options;
  const logger = options.logger ?? silentLogger;
  const channel = options.channel ?? DEFAULT_INVALIDATION_CHANNEL;
  if (!/^[a-z_][a-z0-9_]{0,39}$/.test(channel))
    throw new Error(
      `The invalidation channel must be a lower-case identifier of at most 40 characters; got ${JSON.stringify(channel)}.`,
    );
  // A channel of its own for sync markers, so one process's markers do not reach the others.
  const syncChannel = `${channel}_sync_${randomBytes(6).toString("hex")}`;
  const syncTimeoutMs = pool.options.query_timeout ?? DEFAULT_SYNC_TIMEOUT_MS;
  const markers = new Map<string, { resolve(): void; reject(error: Error): void }>();
  let markerCount = 0;
  let listener: pg.Client | null = null;
  // Attack on availability stopped: with renewals on the request pool, a burst of requests
  // that holds every pooled connection (slow queries, a flood) made renewals wait for one, the
  // lease lapsed, and the process fell back to store reads exactly when it was busiest. The
  // renewals get a connection of their own (a pool of size 1: node-postgres opens it at the
  // first renewal and opens a new one after a failure). A failed renewal extends nothing: the
  // lease runs out (createCacheLease only moves it on an answer).
  const renewalPool = new pg.Pool({ ...pool.options, max: 1, keepAlive: true });
  // Without an "error" listener a dropped idle connection would crash the process; the next
  // renewal reconnects, and logs session_cache_lease_failed if it cannot.
  renewalPool.on("error", (error) =>
    logger.debug(
      { event: "session_cache_lease_connection_lost", cause: message(error) },
      "the session cache's lease connection to PostgreSQL was lost; the next renewal opens a new one",
    ),
  );
  const leases = trackLeases(postgresCacheLeases(pool, { renewals: renewalPool }));
  const subscription = createBusSubscription({
    logger,
    channel,
    connectionName: "the PostgreSQL invalidation listener",
    readyMessage: "listening for PostgreSQL invalidations",
    connect,
  });
  // A function, so TypeScript does not narrow `status` across the awaits that may change it.
  const isClosed = (): boolean => subscription.status === "closed";

  function failMarkers(error: Error): void {
    for (const marker of markers.values()) marker.reject(error);
    markers.clear();
  }

  function lost(connection: pg.Client, cause: unknown): void {
    if (listener !== connection) return;
    listener = null;
    connection.end().catch(() => {});
    failMarkers(new Error(`the PostgreSQL invalidation listener was lost: ${message(cause)}`));
    subscription.retry(cause);
  }

  async function connect(): Promise<void> {
    if (isClosed()) return;
    const connection = new pg.Client({ ...pool.options, keepAlive: true });
    listener = connection;
    // Without an "error" listener a dropped connection would crash the process.
    connection.on("error", (error) => lost(connection, error));
    connection.on("end", () => lost(connection, new Error("connection ended")));
    connection.on("notification", (note) => {
      if (listener !== connection) return;
      if (note.channel === channel) {
        subscription.deliver(decodeInvalidation(note.payload ?? ""));
      } else if (note.channel === syncChannel) {
        const id = note.payload ?? "";
        markers.get(id)?.resolve();
        markers.delete(id);
      }
    });
    try {
      await connection.connect();
      await connection.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      await connection.query(`LISTEN ${pg.escapeIdentifier(syncChannel)}`);
    } catch (error) {
      lost(connection, error);
      return;
    }
    if (listener === connection && !isClosed()) subscription.ready();
  }

  return {
    get status() {
      return subscription.status;
    },
    leases,
    async publish(event) {
      await pool.query("SELECT pg_notify($1, $2)", [channel, encodeInvalidation(event)]);
    },
    subscribe: (handler) => subscription.subscribe(handler),
    async sync() {
      const connection = listener;
      if (subscription.status !== "ready" || connection === null)
        throw new Error(`the PostgreSQL invalidation listener is ${subscription.status}`);
      markerCount += 1;
      const id = String(markerCount);
      const arrived = new Promise<void>((resolve, reject) => {
        markers.set(id, { resolve, reject });
      });
      // Observed at once: lost() or close() may reject it while the query below still waits,
      // and a rejection that nothing handles ends the process (every node, in a store freeze).
      arrived.catch(() => {});
      // One deadline for the whole barrier (the NOTIFY query and the marker's return), raced
      // against it, so whichever loses is still observed and nothing rejects unhandled.
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(
          () => reject(new Error(`the sync marker did not come back within ${syncTimeoutMs} ms`)),
          syncTimeoutMs,
        );
      });
      try {
        await Promise.race([
          connection.query("SELECT pg_notify($1, $2)", [syncChannel, id]).then(() => arrived),
          deadline,
        ]);
      } catch (error) {
        markers.delete(id);
        // A listener that cannot get its own marker back may be a half-open socket: start over.
        lost(connection, error);
        throw error;
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      subscription.close();
      await leases.releaseAll();
      await renewalPool.end().catch(() => {});
      failMarkers(new Error("the invalidation bus is closed"));
      const connection = listener;
      listener = null;
      await connection?.end().catch(() => {});
    },
  };
}
