import { Cluster } from "ioredis";
import type { RedisClient } from "./redis-client.js";

/**
 * Every key matching `pattern`, from every master of a Cluster (or the one server), by SCAN:
 * no KEYS, so Redis is never blocked for the whole keyspace. A key may be reported twice
 * (SCAN's guarantee); the result is deduplicated. Used only by rare operations (the admin
 * listing and the purge), never on a request's path.
 */
export async function scanKeys(client: RedisClient, pattern: string): Promise<string[]> {
  const nodes = client instanceof Cluster ? client.nodes("master") : [client];
  const found = new Set<string>();
  for (const node of nodes) {
    let cursor = "0";
    do {
      const [next, keys] = await node.scan(cursor, "MATCH", pattern, "COUNT", 1_000);
      cursor = next;
      for (const key of keys) found.add(key);
    } while (cursor !== "0");
  }
  return [...found];
}
