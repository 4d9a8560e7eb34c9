// Measures what one session costs in Redis and in PostgreSQL: starts a throwaway
// redis-server and PostgreSQL (testkit), writes N sessions through the real stores, and
// reports the growth of Redis's used_memory and of pg_total_relation_size('latchkey_sessions').
// The figures in docs/production.md come from this script.
//
// Usage: npx tsc -b && node scripts/session-memory.mjs [count] [users]
// Without `users`, Redis is measured twice: ten sessions a user (count / 10 users), then one
// session a user (count users, the common case: many users, one browser each).
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import pg from "pg";
import { recommendedRedisOptions, redisStores } from "@latchkey/store-redis";
import { migratePostgres, postgresStores } from "@latchkey/store-postgres";
import { startPostgres, startRedis } from "@latchkey/testkit";

const count = Number(process.argv[2] ?? 10_000);
/** Distinct users the sessions belong to, in each Redis measurement. */
const userCounts =
  process.argv[3] === undefined ? [Math.max(1, Math.round(count / 10)), count] : [Number(process.argv[3])];
const now = Date.now();
const userAgent =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";

/** A session as latchkey writes it on login: 22-char id, SHA-256 hex, IPv4, a common User-Agent. */
function session(i, users) {
  return {
    id: randomBytes(16).toString("base64url"),
    secretHash: randomBytes(32).toString("hex"),
    userId: String(1 + (i % users)),
    kind: "cookie",
    createdAt: now,
    lastSeenAt: now,
    expiresAt: now + 14 * 24 * 3600 * 1000,
    absoluteExpiresAt: now + 30 * 24 * 3600 * 1000,
    ip: `10.0.${(i >> 8) & 255}.${i & 255}`,
    userAgent,
    label: null,
  };
}

async function inBatches(total, write) {
  for (let i = 0; i < total; i += 200)
    await Promise.all(Array.from({ length: Math.min(200, total - i) }, (_, j) => write(i + j)));
}

/** Session memory in a fresh redis-server started with `extraArgs`. */
async function measureRedis(extraArgs, label, users) {
  const redis = await startRedis({ extraArgs });
  try {
    const client = new Redis(redis.url, { ...recommendedRedisOptions, lazyConnect: true });
    await client.connect();
    const memory = async () => Number(/used_memory:(\d+)/.exec(await client.info("memory"))?.[1]);
    const { sessions } = redisStores({ client });
    await sessions.createSession(session(0, users)); // Warm up: scripts loaded.
    const before = await memory();
    await inBatches(count, (i) => sessions.createSession(session(i + 1, users)));
    const after = await memory();
    const sample = session(count + 1, users);
    await sessions.createSession(sample);
    const sessionBytes = await client.memory("USAGE", `latchkey:{s:${sample.id}}`);
    const valueBytes = await client.strlen(`latchkey:{s:${sample.id}}`);
    const version = (await client.info("server")).match(/redis_version:(\S+)/)?.[1];
    console.log(
      `Redis ${version} (${label}): ${count} sessions of ${users} users: used_memory +${after - before} bytes = ${Math.round((after - before) / count)} bytes per session ` +
        `(of which the session key: MEMORY USAGE ${sessionBytes} bytes, its packed value ${valueBytes} bytes; the rest: its expiry entry, the keyspace's tables and its entry in its user's index bucket)`,
    );
    client.disconnect();
  } finally {
    await redis.dispose();
  }
}

for (const users of userCounts) await measureRedis([], "default settings", users);

const postgres = await startPostgres();
try {
  const pool = new pg.Pool({ connectionString: postgres.url });
  pool.on("error", () => {}); // The server stops at the end; its goodbye must not crash the script.
  await migratePostgres(pool);
  const { sessions } = await postgresStores({ pool });
  const size = async () =>
    Number((await pool.query("SELECT pg_total_relation_size('latchkey_sessions') AS bytes")).rows[0].bytes);
  const before = await size();
  await inBatches(count, (i) => sessions.createSession(session(i, userCounts[0])));
  await pool.query("VACUUM ANALYZE latchkey_sessions");
  const after = await size();
  const version = (await pool.query("SHOW server_version")).rows[0].server_version;
  console.log(
    `PostgreSQL ${version}: ${count} sessions: pg_total_relation_size('latchkey_sessions') +${after - before} bytes = ${Math.round((after - before) / count)} bytes per session (table, TOAST and 5 indexes)`,
  );
  await pool.end();
} finally {
  await postgres.dispose();
}
