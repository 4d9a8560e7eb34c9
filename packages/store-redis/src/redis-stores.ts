import type { SessionStore, ThrottleStore } from "@latchkey/core";
import { redisSessionStore, type RedisSessionStoreOptions } from "./redis-session-store.js";
import { redisThrottleStore } from "./redis-throttle-store.js";

/** Options of {@link redisStores}: those of the session store, whose client and prefix the throttle store shares. */
export type RedisStoresOptions = RedisSessionStoreOptions;

/** The stores Redis provides. Users live elsewhere (PostgreSQL or SQLite). */
export interface RedisStores {
  sessions: SessionStore;
  throttle: ThrottleStore;
}

/**
 * Sessions and throttle counters in Redis or Redis Cluster, over a client you built and
 * connected (see {@link recommendedRedisOptions}). Pair with a user store:
 *
 * @example
 * const client = new Redis(url, { ...recommendedRedisOptions, lazyConnect: true });
 * await client.connect();
 * const stores = { ...redisStores({ client }), users: sqliteUserStore(database) };
 */
export function redisStores(options: RedisStoresOptions): RedisStores {
  const throttleOptions =
    options.keyPrefix === undefined
      ? { client: options.client }
      : { client: options.client, keyPrefix: options.keyPrefix };
  return {
    sessions: redisSessionStore(options),
    throttle: redisThrottleStore(throttleOptions),
  };
}
