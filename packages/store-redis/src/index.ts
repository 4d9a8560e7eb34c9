export { redisStores, type RedisStores, type RedisStoresOptions } from "./redis-stores.js";
export { redisSessionStore, type RedisSessionStoreOptions } from "./redis-session-store.js";
export { redisThrottleStore, type RedisThrottleStoreOptions } from "./redis-throttle-store.js";
export { recommendedRedisOptions, recommendedClusterOptions, type RedisClient } from "./redis-client.js";
export { redisInvalidationBus, type RedisInvalidationBusOptions } from "./redis-invalidation-bus.js";
