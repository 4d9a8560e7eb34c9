import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { freePort } from "./free-port.js";
import { programPath } from "./programs.js";
import { startRedis, type RedisServer } from "./redis.js";
import { redisCommand } from "./resp.js";
import { waitUntil } from "./wait-until.js";

const run = promisify(execFile);

/** Forming the cluster (after every node is up) must finish within this. Milliseconds. */
const FORM_TIMEOUT_MS = 30_000;

/** A Redis Cluster started by {@link startRedisCluster}. */
export interface RedisCluster {
  /** Every node (masters first, then replicas, as started), each usable as a cluster client's start-up node. */
  readonly nodes: readonly RedisServer[];
  /** The nodes that answer `ROLE` as a master now (a failover changes them). */
  masters(): Promise<RedisServer[]>;
  /** Resolves once every replica that runs has received everything its master has (equal replication offsets). */
  replicated(): Promise<void>;
  /** Stops every node for good and deletes their temp directories. */
  dispose(): Promise<void>;
}

/** Options of {@link startRedisCluster}. */
export interface StartRedisClusterOptions {
  /**
   * How many master nodes; Redis needs at least 3.
   * @default 3
   */
  masters?: number;
  /**
   * Replicas of each master, which take over its slots when it fails.
   * @default 0
   */
  replicas?: number;
  /**
   * `cluster-node-timeout`: how long a master may be unreachable before its replica is
   * promoted. Milliseconds.
   * @default 5000
   */
  nodeTimeoutMs?: number;
}

/** True when `node` reports a healthy cluster of `known` nodes in which all 16384 slots are served. */
async function clusterIsOk(node: RedisServer, known: number): Promise<boolean> {
  const info = await redisCommand(node.port, ["CLUSTER", "INFO"]).catch(() => null);
  if (info === null) return false;
  return (
    info.includes("cluster_state:ok") &&
    info.includes("cluster_slots_ok:16384") &&
    info.includes(`cluster_known_nodes:${known}`)
  );
}

/** A field of `INFO replication` (or null when the node does not answer). */
async function replicationField(node: RedisServer, field: string): Promise<string | null> {
  const info = await redisCommand(node.port, ["INFO", "replication"]).catch(() => null);
  if (info === null) return null;
  const line = info.split("\r\n").find((l) => l.startsWith(`${field}:`));
  return line === undefined ? null : line.slice(field.length + 1);
}

/** True when every replica that answers is linked to its master and at the master's offset. */
async function replicasCaughtUp(nodes: readonly RedisServer[]): Promise<boolean> {
  for (const node of nodes) {
    if ((await replicationField(node, "role")) !== "slave") continue;
    if ((await replicationField(node, "master_link_status")) !== "up") return false;
    const port = Number(await replicationField(node, "master_port"));
    const master = nodes.find((n) => n.port === port);
    if (master === undefined) return false;
    const [own, masters] = await Promise.all([
      replicationField(node, "slave_repl_offset"),
      replicationField(master, "master_repl_offset"),
    ]);
    if (own === null || own !== masters) return false;
  }
  return true;
}

/**
 * Starts `masters × (1 + replicas)` cluster-enabled redis-server processes on free ports
 * (each with its cluster bus on a second free port, `--cluster-port`), joins them with
 * `redis-cli --cluster create … --cluster-replicas <replicas> --cluster-yes`, and resolves
 * once every node reports `cluster_state:ok` with all slots served and every replica has
 * caught up with its master.
 */
export async function startRedisCluster(options: StartRedisClusterOptions = {}): Promise<RedisCluster> {
  const masters = options.masters ?? 3;
  const replicas = options.replicas ?? 0;
  if (masters < 3) throw new Error("A Redis Cluster needs at least 3 masters.");
  if (!Number.isInteger(replicas) || replicas < 0) throw new Error("replicas must be a whole number of at least 0.");
  const total = masters * (1 + replicas);
  const cli = programPath("redis-cli");
  const nodes: RedisServer[] = [];
  const dispose = async (): Promise<void> => {
    await Promise.all(nodes.map((node) => node.dispose()));
  };
  try {
    for (let i = 0; i < total; i += 1) {
      const busPort = await freePort();
      nodes.push(
        await startRedis({
          extraArgs: [
            "--cluster-enabled",
            "yes",
            "--cluster-config-file",
            "nodes.conf",
            "--cluster-port",
            String(busPort),
            "--cluster-node-timeout",
            String(options.nodeTimeoutMs ?? 5000),
          ],
        }),
      );
    }
    await run(
      cli,
      [
        "--cluster",
        "create",
        ...nodes.map((n) => `127.0.0.1:${n.port}`),
        "--cluster-replicas",
        String(replicas),
        "--cluster-yes",
      ],
      { timeout: FORM_TIMEOUT_MS },
    );
    await waitUntil(
      `a ${total}-node Redis Cluster to report cluster_state:ok on every node`,
      async () => (await Promise.all(nodes.map((node) => clusterIsOk(node, total)))).every(Boolean),
      { timeoutMs: FORM_TIMEOUT_MS },
    );
    await waitUntil("every replica to catch up with its master", () => replicasCaughtUp(nodes), {
      timeoutMs: FORM_TIMEOUT_MS,
    });
  } catch (error) {
    await dispose();
    throw error;
  }
  return {
    nodes,
    dispose,
    async masters() {
      const roles = await Promise.all(nodes.map(async (node) => [node, await replicationField(node, "role")] as const));
      return roles.filter(([, role]) => role === "master").map(([node]) => node);
    },
    replicated: () =>
      waitUntil("every replica to catch up with its master", () => replicasCaughtUp(nodes), {
        timeoutMs: FORM_TIMEOUT_MS,
      }),
  };
}
