// A test helper (the ".test." in the name keeps it out of the published package).
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Stores } from "@latchkey/core";
import { CONTRACT_NOW, type StoreContractFactory } from "@latchkey/store-contract";
import { migrateSqlite, openSqliteDatabase, sqliteUserStore } from "@latchkey/store-sqlite";
import { Cluster, Redis } from "ioredis";
import type { RedisServer } from "@latchkey/testkit";
import { recommendedClusterOptions, recommendedRedisOptions, type RedisClient } from "./redis-client.js";
import { redisStores } from "./redis-stores.js";

/** Short timeouts for tests: an outage must show within a test's time, not after it. */
const TEST_TIMEOUTS = { commandTimeout: 1_000, connectTimeout: 1_000 };

/** A ready standalone client of `server`, with the recommended fail-fast options. */
export async function connectRedis(server: RedisServer): Promise<Redis> {
  const client = new Redis(server.url, { ...recommendedRedisOptions, ...TEST_TIMEOUTS, lazyConnect: true });
  client.on("error", () => {}); // Outages are what the fault tests cause; the store reports them.
  await client.connect();
  return client;
}

/** A ready cluster client of `nodes`, with the recommended fail-fast options. */
export async function connectCluster(nodes: readonly RedisServer[]): Promise<Cluster> {
  const client = new Cluster(
    nodes.map((node) => ({ host: node.host, port: node.port })),
    {
      ...recommendedClusterOptions,
      redisOptions: { ...recommendedClusterOptions.redisOptions, ...TEST_TIMEOUTS },
      lazyConnect: true,
    },
  );
  client.on("error", () => {});
  await client.connect();
  return client;
}

/** Every key under `prefix`, on every master. */
export async function keysUnder(client: RedisClient, prefix: string): Promise<{ node: string; key: string }[]> {
  const nodes = client instanceof Cluster ? client.nodes("master") : [client];
  const found: { node: string; key: string }[] = [];
  for (const node of nodes) {
    let cursor = "0";
    do {
      const [next, keys] = await node.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1_000);
      cursor = next;
      for (const key of keys) found.push({ node: `${node.options.host ?? ""}:${node.options.port ?? ""}`, key });
    } while (cursor !== "0");
  }
  return found;
}

/**
 * Contract subjects over one Redis backend: each test gets its own key prefix (so tests
 * never see each other's keys) and its own SQLite file for users, which Redis does not keep.
 * Sessions' native expiry is computed from a clock pinned at the fixtures' "now".
 */
export function redisContractFactory(connect: () => Promise<RedisClient>): StoreContractFactory {
  return async () => {
    const keyPrefix = `test-${randomUUID()}`;
    const directory = mkdtempSync(join(tmpdir(), "latchkey-redis-users-"));
    const databaseFile = join(directory, "users.sqlite3");
    const clients: RedisClient[] = [];
    const databases: ReturnType<typeof openSqliteDatabase>[] = [];
    const open = async (): Promise<Stores & { users: ReturnType<typeof sqliteUserStore> }> => {
      const client = await connect();
      clients.push(client);
      const database = openSqliteDatabase(databaseFile);
      databases.push(database);
      if (databases.length === 1) migrateSqlite(database);
      const clock = { now: () => CONTRACT_NOW };
      return { ...redisStores({ client, keyPrefix, clock }), users: sqliteUserStore(database) };
    };
    const stores = await open();
    return {
      stores,
      reopen: open,
      setGroupPermissions: (groupName, permissions) => stores.users.setGroupPermissions(groupName, permissions),
      async cleanup() {
        const [first] = clients;
        if (first !== undefined) {
          for (const { key } of await keysUnder(first, keyPrefix)) await first.unlink(key);
        }
        await Promise.all(clients.map((client) => client.quit()));
        for (const database of databases) database.close();
        rmSync(directory, { recursive: true, force: true });
      },
    };
  };
}
