export { startRedis, type RedisServer, type StartRedisOptions } from "./redis.js";
export { startRedisCluster, type RedisCluster, type StartRedisClusterOptions } from "./redis-cluster.js";
export { startPostgres, type PostgresServer, type StartPostgresOptions } from "./postgres.js";
export { requireProgram, findProgram } from "./programs.js";
export { freePort } from "./free-port.js";
export { waitUntil, type WaitUntilOptions } from "./wait-until.js";
export { type ServerControls } from "./server-controls.js";
export { redisCommand, RedisReplyError } from "./resp.js";
export {
  createTestClient,
  type RequestOptions,
  type TestClient,
  type TestClientOptions,
  type TestResponse,
} from "./http-client.js";
export { startSmtpSink, type SmtpSink, type ReceivedMail } from "./smtp-sink.js";
