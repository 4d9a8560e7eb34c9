import {
  decodeInvalidation,
  encodeInvalidation,
  silentLogger,
  type InvalidationBus,
  type InvalidationBusStatus,
  type InvalidationEvent,
  type Logger,
} from "@latchkey/core";
import { Cluster, Redis } from "ioredis";
import { redisKeys } from "./keys.js";
import type { RedisClient } from "./redis-client.js";

/** Options of {@link redisInvalidationBus}. */
export interface RedisInvalidationBusOptions {
  /**
   * The connected client the stores use (`Redis` or `Cluster`). Events are published through
   * it; the bus opens one subscriber connection of its own with the same settings. The caller
   * owns the client: the bus never closes it.
   */
  client: RedisClient;
  /** Start of the channel name, as for the stores. No `{` or `}`. @default "latchkey" */
  keyPrefix?: string;
  /** Where the bus says that its subscription was lost or is back. @default silent */
  logger?: Logger;
}

/** Reconnection backoff of the subscriber: 100 ms doubling up to 2 s. */
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 2_000;

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** `host:port` (IPv6 hosts keep their colons) → its parts. */
function parseNodeKey(key: string): { host: string; port: number } {
  const colon = key.lastIndexOf(":");
  return { host: key.slice(0, colon), port: Number(key.slice(colon + 1)) };
}

/**
 * An {@link InvalidationBus} over Redis pub/sub, for a standalone server or a Redis Cluster
 * (Redis 7 or newer there).
 *
 * Channel: `<prefix>:{invalidations}`. Events are published through the given client and
 * received on a dedicated subscriber connection, opened by the first `subscribe()` and
 * re-opened by the bus itself (100 ms to 2 s apart) after any drop. It reports `ready` only
 * once Redis confirmed the subscription, then hands `{ kind: "all" }` to its handlers,
 * because events sent meanwhile are lost.
 *
 * `sync()` is a PING on the subscriber connection: Redis runs commands one at a time and
 * writes a connection's messages and replies in that order, so the PONG arrives after every
 * message Redis accepted before the PING. On a Cluster the bus uses sharded pub/sub
 * (SPUBLISH/SSUBSCRIBE): the channel lives on the master that owns its hash slot, so that one
 * node orders every publish and PING; the subscriber connects to that master directly (and
 * again after a failover, finding the new owner).
 */
export function redisInvalidationBus(options: RedisInvalidationBusOptions): InvalidationBus {
  const { client } = options;
  const logger = options.logger ?? silentLogger;
  const prefix = options.keyPrefix ?? "latchkey";
  redisKeys(prefix); // Refuses a prefix with braces, as the stores do.
  // The hash tag puts the channel in one slot, so on a Cluster one master orders all of it.
  const channel = `${prefix}:{invalidations}`;
  const sharded = client instanceof Cluster;
  const handlers = new Set<(event: InvalidationEvent) => void>();
  let status: InvalidationBusStatus = "connecting";
  let subscriber: Redis | null = null;
  let retryTimer: NodeJS.Timeout | null = null;
  let failures = 0;

  function deliver(event: InvalidationEvent): void {
    for (const handler of [...handlers]) {
      try {
        handler(event);
      } catch (error) {
        logger.error({ event: "invalidation_handler_failed", err: message(error) }, "an invalidation handler threw");
      }
    }
  }

  /** A subscriber connection with the client's settings; never reconnecting by itself (we do, to find a moved slot). */
  async function openSubscriber(): Promise<Redis> {
    const overrides = { lazyConnect: true, retryStrategy: () => null, autoResubscribe: false, enableOfflineQueue: false, maxRetriesPerRequest: 0 };
    if (!(client instanceof Cluster)) return client.duplicate(overrides);
    const slot = Number(await client.cluster("KEYSLOT", channel));
    let owner = client.slots[slot]?.[0];
    if (owner === undefined) {
      await new Promise<void>((resolve, reject) => client.refreshSlotsCache((error) => (error ? reject(error) : resolve())));
      owner = client.slots[slot]?.[0];
    }
    if (owner === undefined) throw new Error(`no Redis Cluster node owns the slot of ${channel}`);
    return new Redis({ ...client.options.redisOptions, ...parseNodeKey(owner), ...overrides });
  }

  function lost(connection: Redis, cause: unknown): void {
    if (subscriber !== connection) return;
    subscriber = null;
    connection.disconnect();
    retry(cause);
  }

  /** Marks the subscription down and tries again after a backoff. */
  function retry(cause: unknown): void {
    if (status === "closed") return;
    if (status === "ready") {
      logger.warn(
        { event: "invalidation_bus_down", channel, cause: message(cause) },
        "the Redis invalidation subscription was lost; session caches read the store until it is back",
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
    let connection: Redis;
    try {
      connection = await openSubscriber();
    } catch (error) {
      retry(error);
      return;
    }
    if (status === "closed") {
      connection.disconnect();
      return;
    }
    subscriber = connection;
    connection.on("error", () => {
      // Reported through "close" below; a listener must exist or the error would crash the process.
    });
    connection.on("close", () => lost(connection, new Error("connection closed")));
    const onMessage = (from: string, text: string) => {
      if (subscriber === connection && from === channel) deliver(decodeInvalidation(text));
    };
    connection.on(sharded ? "smessage" : "message", onMessage);
    try {
      await connection.connect();
      if (sharded) {
        // After a failover the old address may come back as a replica, which would get the
        // channel's messages later than its master answers PING: only a master will do.
        const role: unknown = await connection.role();
        if (!Array.isArray(role) || role[0] !== "master") throw new Error("the node owning the channel's slot is not a master any more");
        await connection.ssubscribe(channel);
      } else {
        await connection.subscribe(channel);
      }
    } catch (error) {
      lost(connection, error);
      return;
    }
    if (subscriber !== connection) return;
    logger.info(
      { event: "invalidation_bus_ready", channel },
      failures > 0 ? "the Redis invalidation subscription is back; session caches emptied" : "subscribed to Redis invalidations",
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
      const text = encodeInvalidation(event);
      if (client instanceof Cluster) await client.spublish(channel, text);
      else await client.publish(channel, text);
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
      const connection = subscriber;
      if (status !== "ready" || connection === null) throw new Error(`the Redis invalidation subscription is ${status}`);
      try {
        await connection.ping();
      } catch (error) {
        // A subscriber that cannot answer PING may be a half-open socket: start over.
        lost(connection, error);
        throw error;
      }
    },
    async close() {
      status = "closed";
      if (retryTimer !== null) clearTimeout(retryTimer);
      handlers.clear();
      const connection = subscriber;
      subscriber = null;
      connection?.disconnect();
    },
  };
}
