import type { Cluster, ClusterOptions, Redis, RedisOptions } from "ioredis";

/** A connected ioredis client: standalone (`Redis`) or Redis Cluster (`Cluster`). */
export type RedisClient = Redis | Cluster;

/**
 * ioredis options that make a Redis outage fail fast instead of hanging requests. Spread them
 * into your own: `new Redis(url, { ...recommendedRedisOptions })`.
 *
 * - `enableOfflineQueue: false`: while disconnected, a command is rejected at once instead of
 *   queued until Redis returns (the default), which would hold every request open.
 * - `maxRetriesPerRequest: 1`: a command in flight when the connection drops is retried once on
 *   the new connection, then rejected (the default of 20 reconnects can take minutes).
 * - `commandTimeout: 2000` (ms): a command with no reply (a hung or overloaded server, a
 *   network black hole) is rejected after 2 s.
 * - `connectTimeout: 2000` (ms): a connection attempt gives up after 2 s.
 *
 * Reconnection stays on (ioredis's default backoff, at most 2 s apart), so service resumes
 * by itself when Redis is back. Because of `enableOfflineQueue: false`, wait for the client to
 * be ready (`lazyConnect: true` then `await client.connect()`) before serving requests.
 */
export const recommendedRedisOptions: Readonly<RedisOptions> = Object.freeze({
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  commandTimeout: 2_000,
  connectTimeout: 2_000,
});

/**
 * The Redis Cluster counterpart of {@link recommendedRedisOptions}:
 * `new Cluster(nodes, { ...recommendedClusterOptions })`. Same reasons; the per-node options
 * go in `redisOptions`.
 */
export const recommendedClusterOptions: Readonly<ClusterOptions> = Object.freeze({
  enableOfflineQueue: false,
  redisOptions: Object.freeze({
    maxRetriesPerRequest: 1,
    commandTimeout: 2_000,
    connectTimeout: 2_000,
  }),
});
