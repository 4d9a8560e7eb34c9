import type { InvalidationBusStatus, InvalidationEvent } from "../ports/invalidation-bus.js";
import type { Logger } from "../ports/world.js";

/** Reconnection backoff of a bus's receiving connection: 100 ms doubling up to 2 s. */
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 2_000;

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Options of {@link createBusSubscription}. */
export interface BusSubscriptionOptions {
  logger: Logger;
  /** The channel, named in the log lines. */
  channel: string;
  /** The receiving connection as the log lines name it, e.g. "the Redis invalidation subscription". */
  connectionName: string;
  /** The log message when the connection is first ready, e.g. "subscribed to Redis invalidations". */
  readyMessage: string;
  /**
   * Opens the receiving connection. It calls {@link BusSubscription.ready} once events flow, or
   * {@link BusSubscription.retry} when it fails; never throws.
   */
  connect(): Promise<void>;
}

/**
 * What the Redis and PostgreSQL invalidation buses share: the handlers and their delivery,
 * the receiving connection's status, opened by the first `subscribe()` and re-opened with a
 * backoff after any drop, and the log lines for each change.
 */
export interface BusSubscription {
  readonly status: InvalidationBusStatus;
  /** Hands `event` to every handler; a handler that throws is logged and the others still run. */
  deliver(event: InvalidationEvent): void;
  /** Adds a handler, opening the connection on the first call. Returns the unsubscribe function. */
  subscribe(handler: (event: InvalidationEvent) => void): () => void;
  /**
   * The connection receives events: status `ready`, logged, and `{ kind: "all" }` to every
   * handler, because events sent while it was not ready are lost.
   */
  ready(): void;
  /**
   * The connection failed or dropped: status `down` (logged if it was ready), and `connect()` again after a backoff.
   */
  retry(cause: unknown): void;
  /** Status `closed`: no more retries or handlers. The caller closes its connection. */
  close(): void;
}

/** Builds the shared part of an invalidation bus; the bus adds its connection, `publish` and `sync`. */
export function createBusSubscription(options: BusSubscriptionOptions): BusSubscription {
  const { logger, channel, connectionName } = options;
  const handlers = new Set<(event: InvalidationEvent) => void>();
  let status: InvalidationBusStatus = "connecting";
  let retryTimer: NodeJS.Timeout | null = null;
  let failures = 0;
  let started = false;

  function deliver(event: InvalidationEvent): void {
    for (const handler of [...handlers]) {
      try {
        handler(event);
      } catch (error) {
        logger.error({ event: "invalidation_handler_failed", err: message(error) }, "an invalidation handler threw");
      }
    }
  }

  return {
    get status() {
      return status;
    },
    deliver,
    subscribe(handler) {
      handlers.add(handler);
      // The connection opens with the first subscriber: a process that only publishes (a CLI
      // command) never holds one.
      if (!started && status !== "closed") {
        started = true;
        void options.connect();
      }
      return () => {
        handlers.delete(handler);
      };
    },
    ready() {
      logger.info(
        { event: "invalidation_bus_ready", channel },
        failures > 0 ? `${connectionName} is back; session caches emptied` : options.readyMessage,
      );
      failures = 0;
      status = "ready";
      deliver({ kind: "all" });
    },
    retry(cause) {
      if (status === "closed") return;
      if (status === "ready") {
        logger.warn(
          { event: "invalidation_bus_down", channel, cause: message(cause) },
          `${connectionName} was lost; session caches read the store until it is back`,
        );
      }
      status = "down";
      const delay = Math.min(RETRY_MIN_MS * 2 ** failures, RETRY_MAX_MS);
      failures += 1;
      retryTimer = setTimeout(() => {
        retryTimer = null;
        void options.connect();
      }, delay);
      retryTimer.unref();
    },
    close() {
      status = "closed";
      if (retryTimer !== null) clearTimeout(retryTimer);
      handlers.clear();
    },
  };
}
