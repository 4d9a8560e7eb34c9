import { randomBytes } from "node:crypto";
import {
  decodeInvalidation,
  encodeInvalidation,
  silentLogger,
  type InvalidationBus,
  type InvalidationBusStatus,
  type InvalidationEvent,
  type Logger,
} from "@latchkey/core";
import pg from "pg";

/** Options of {@link postgresInvalidationBus}. */
export interface PostgresInvalidationBusOptions {
  /**
   * The pool the stores use. Events are published through it (`pg_notify`); the bus opens one
   * listening connection of its own with the pool's settings. The caller owns the pool.
   */
  pool: pg.Pool;
  /** Channel name: lower-case letters, digits and `_`, at most 40 characters. @default "latchkey_invalidations" */
  channel?: string;
  /** Where the bus says that its subscription was lost or is back. @default silent */
  logger?: Logger;
}

const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 2_000;
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
 * 2 s apart) after any drop. It reports `ready` once LISTEN is in place, then hands
 * `{ kind: "all" }` to its handlers, because notifications sent meanwhile are lost.
 *
 * `sync()` sends a marker NOTIFY on a channel only this bus listens to, and waits for it.
 * PostgreSQL delivers notifications of different transactions in commit order, so the
 * marker (committed after the call) arrives after every event committed before the call.
 */
export function postgresInvalidationBus(options: PostgresInvalidationBusOptions): InvalidationBus {
  const { pool } = options;
  const logger = options.logger ?? silentLogger;
  const channel = options.channel ?? "latchkey_invalidations";
  if (!/^[a-z_][a-z0-9_]{0,39}$/.test(channel)) throw new Error(`The invalidation channel must be a lower-case identifier of at most 40 characters; got ${JSON.stringify(channel)}.`);
  // A channel of its own for sync markers, so one process's markers do not reach the others.
  const syncChannel = `${channel}_sync_${randomBytes(6).toString("hex")}`;
  const syncTimeoutMs = pool.options.query_timeout ?? DEFAULT_SYNC_TIMEOUT_MS;
  const handlers = new Set<(event: InvalidationEvent) => void>();
  const markers = new Map<string, { resolve(): void; reject(error: Error): void }>();
  let markerCount = 0;
  let status: InvalidationBusStatus = "connecting";
  let listener: pg.Client | null = null;
  let retryTimer: NodeJS.Timeout | null = null;
  let failures = 0;

  // A function, so TypeScript does not narrow `status` across the awaits that may change it.
  const isClosed = (): boolean => status === "closed";

  function deliver(event: InvalidationEvent): void {
    for (const handler of [...handlers]) {
      try {
        handler(event);
      } catch (error) {
        logger.error({ event: "invalidation_handler_failed", err: message(error) }, "an invalidation handler threw");
      }
    }
  }

  function failMarkers(error: Error): void {
    for (const marker of markers.values()) marker.reject(error);
    markers.clear();
  }

  function lost(connection: pg.Client, cause: unknown): void {
    if (listener !== connection) return;
    listener = null;
    connection.end().catch(() => {});
    failMarkers(new Error(`the PostgreSQL invalidation listener was lost: ${message(cause)}`));
    retry(cause);
  }

  function retry(cause: unknown): void {
    if (status === "closed") return;
    if (status === "ready") {
      logger.warn(
        { event: "invalidation_bus_down", channel, cause: message(cause) },
        "the PostgreSQL invalidation listener was lost; session caches read the store until it is back",
      );
    }
    status = "down";
    const delay = Math.min(RETRY_MIN_MS * 2 ** failures, RETRY_MAX_MS);
    failures += 1;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      void connect();
    }, delay);
    retryTimer.unref();
  }

  async function connect(): Promise<void> {
    if (status === "closed") return;
    const connection = new pg.Client({ ...pool.options, keepAlive: true });
    listener = connection;
    // Without an "error" listener a dropped connection would crash the process.
    connection.on("error", (error) => lost(connection, error));
    connection.on("end", () => lost(connection, new Error("connection ended")));
    connection.on("notification", (note) => {
      if (listener !== connection) return;
      if (note.channel === channel) {
        deliver(decodeInvalidation(note.payload ?? ""));
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
    if (listener !== connection || isClosed()) return;
    logger.info(
      { event: "invalidation_bus_ready", channel },
      failures > 0 ? "the PostgreSQL invalidation listener is back; session caches emptied" : "listening for PostgreSQL invalidations",
    );
    failures = 0;
    status = "ready";
    deliver({ kind: "all" });
  }

  let started = false;

  return {
    get status() {
      return status;
    },
    async publish(event) {
      await pool.query("SELECT pg_notify($1, $2)", [channel, encodeInvalidation(event)]);
    },
    subscribe(handler) {
      handlers.add(handler);
      // The connection opens with the first subscriber: a process that only publishes (a CLI
      // command) never holds one.
      if (!started && status !== "closed") {
        started = true;
        void connect();
      }
      return () => {
        handlers.delete(handler);
      };
    },
    async sync() {
      const connection = listener;
      if (status !== "ready" || connection === null) throw new Error(`the PostgreSQL invalidation listener is ${status}`);
      markerCount += 1;
      const id = String(markerCount);
      let timer: NodeJS.Timeout | undefined;
      const arrived = new Promise<void>((resolve, reject) => {
        markers.set(id, { resolve, reject });
        timer = setTimeout(() => {
          markers.delete(id);
          reject(new Error(`the sync marker did not come back within ${syncTimeoutMs} ms`));
        }, syncTimeoutMs);
      });
      try {
        await connection.query("SELECT pg_notify($1, $2)", [syncChannel, id]);
        await arrived;
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
      status = "closed";
      if (retryTimer !== null) clearTimeout(retryTimer);
      handlers.clear();
      failMarkers(new Error("the invalidation bus is closed"));
      const connection = listener;
      listener = null;
      await connection?.end().catch(() => {});
    },
  };
}
