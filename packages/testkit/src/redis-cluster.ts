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
  /** The master nodes, each also usable as a cluster client's start-up node. */
  readonly nodes: readonly RedisServer[];
  /** Stops every node for good and deletes their temp directories. */
  dispose(): Promise<void>;
}

/** Options of {@link startRedisCluster}. */
export interface StartRedisClusterOptions {
  /**
   * How many master nodes (no replicas); Redis needs at least 3.
   * @default 3
   */
  masters?: number;
}

/** True when `node` reports a healthy cluster in which all 16384 slots are served. */
async function clusterIsOk(node: RedisServer, masters: number): Promise<boolean> {
  const info = await redisCommand(node.port, ["CLUSTER", "INFO"]).catch(() => null);
  if (info === null) return false;
  return (
    info.includes("cluster_state:ok") &&
    info.includes("cluster_slots_ok:16384") &&
    info.includes(`cluster_known_nodes:${masters}`)
  );
}

/**
 * Starts `masters` cluster-enabled redis-server processes on free ports (each with its
 * cluster bus on a second free port, `--cluster-port`), joins them with
 * `redis-cli --cluster create … --cluster-replicas 0 --cluster-yes`, and resolves once every
 * node reports `cluster_state:ok` with all slots served.
 */
export async function startRedisCluster(options: StartRedisClusterOptions = {}): Promise<RedisCluster> {
  const masters = options.masters ?? 3;
  if (masters < 3) throw new Error("A Redis Cluster needs at least 3 masters.");
  const cli = programPath("redis-cli");
  const nodes: RedisServer[] = [];
  const dispose = async (): Promise<void> => {
    await Promise.all(nodes.map((node) => node.dispose()));
  };
  try {
    for (let i = 0; i < masters; i += 1) {
      const busPort = await freePort();
      nodes.push(
        await startRedis({
          extraArgs: [
            "--cluster-enabled", "yes",
            "--cluster-config-file", "nodes.conf",
            "--cluster-port", String(busPort),
            "--cluster-node-timeout", "5000",
          ],
        }),
      );
    }
    await run(
      cli,
      ["--cluster", "create", ...nodes.map((n) => `127.0.0.1:${n.port}`), "--cluster-replicas", "0", "--cluster-yes"],
      { timeout: FORM_TIMEOUT_MS },
    );
    await waitUntil(
      `a ${masters}-master Redis Cluster to report cluster_state:ok on every node`,
      async () => (await Promise.all(nodes.map((node) => clusterIsOk(node, masters)))).every(Boolean),
      { timeoutMs: FORM_TIMEOUT_MS },
    );
  } catch (error) {
    await dispose();
    throw error;
  }
  return { nodes, dispose };
}
