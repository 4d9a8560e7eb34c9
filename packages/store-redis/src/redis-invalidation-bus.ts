import {
  createBusSubscription,
  decodeInvalidation,
  encodeInvalidation,
  silentLogger,
  trackLeases,
  type InvalidationBus,
  type Logger,
} from "@latchkey/core";
import { Cluster, Redis } from "ioredis";
import { redisKeys } from "./keys.js";
import { redisCacheLeases } from "./redis-cache-leases.js";
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
  let subscriber: Redis | null = null;
  const leases = trackLeases(redisCacheLeases(client, prefix));
  const subscription = createBusSubscription({
    logger,
    channel,
    connectionName: "the Redis invalidation subscription",
    readyMessage: "subscribed to Redis invalidations",
    connect,
  });

  /** A subscriber connection with the client's settings; never reconnecting by itself (we do, to find a moved slot). */
  async function openSubscriber(): Promise<Redis> {
    const overrides = {
      lazyConnect: true,
      retryStrategy: () => null,
      autoResubscribe: false,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
    };
    if (!(client instanceof Cluster)) return client.duplicate(overrides);
    const slot = Number(await client.cluster("KEYSLOT", channel));
    let owner = client.slots[slot]?.[0];
    if (owner === undefined) {
      await new Promise<void>((resolve, reject) =>
        client.refreshSlotsCache((error) => (error ? reject(error) : resolve())),
      );
      owner = client.slots[slot]?.[0];
    }
    if (owner === undefined) throw new Error(`no Redis Cluster node owns the slot of ${channel}`);
    return new Redis({ ...client.options.redisOptions, ...parseNodeKey(owner), ...overrides });
  }

  function lost(connection: Redis, cause: unknown): void {
    if (subscriber !== connection) return;
    subscriber = null;
    connection.disconnect();
    subscription.retry(cause);
  }

  async function connect(): Promise<void> {
    let connection: Redis;
    try {
      connection = await openSubscriber();
    } catch (error) {
      subscription.retry(error);
      return;
    }
    if (subscription.status === "closed") {
      connection.disconnect();
      return;
    }
    subscriber = connection;
    connection.on("error", () => {
      // Reported through "close" below; a listener must exist or the error would crash the process.
    });
    connection.on("close", () => lost(connection, new Error("connection closed")));
    const onMessage = (from: string, text: string) => {
      if (subscriber === connection && from === channel) subscription.deliver(decodeInvalidation(text));
    };
    connection.on(sharded ? "smessage" : "message", onMessage);
    try {
      await connection.connect();
      if (sharded) {
        // After a failover the old address may come back as a replica, which would get the
        // channel's messages later than its master answers PING: only a master will do.
        const role: unknown = await connection.role();
        if (!Array.isArray(role) || role[0] !== "master")
          throw new Error("the node owning the channel's slot is not a master any more");
        await connection.ssubscribe(channel);
      } else {
        await connection.subscribe(channel);
      }
    } catch (error) {
      lost(connection, error);
      return;
    }
    if (subscriber === connection) subscription.ready();
  }

  return {
    get status() {
      return subscription.status;
    },
    leases,
    async publish(event) {
      const text = encodeInvalidation(event);
      if (client instanceof Cluster) await client.spublish(channel, text);
      else await client.publish(channel, text);
    },
    subscribe: (handler) => subscription.subscribe(handler),
    async sync() {
      const connection = subscriber;
      if (subscription.status !== "ready" || connection === null)
        throw new Error(`the Redis invalidation subscription is ${subscription.status}`);
      try {
        await connection.ping();
      } catch (error) {
        // A subscriber that cannot answer PING may be a half-open socket: start over.
        lost(connection, error);
        throw error;
      }
    },
    async close() {
      subscription.close();
      await leases.releaseAll();
      const connection = subscriber;
      subscriber = null;
      connection?.disconnect();
    },
  };
}
