import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./free-port.js";
import {
  logTail,
  removeTempDirectory,
  spawnManaged,
  trackTempDirectory,
  type ManagedProcess,
} from "./managed-process.js";
import { programPath } from "./programs.js";
import { redisCommand } from "./resp.js";
import { serverControls, type ServerControls } from "./server-controls.js";
import { waitUntil } from "./wait-until.js";

/** Start-up of one redis-server, including a restart, must finish within this. Milliseconds. */
const START_TIMEOUT_MS = 15_000;
/** How long a polite SIGTERM may take before SIGKILL. Milliseconds. */
const STOP_GRACE_MS = 10_000;

/**
 * A redis-server started by {@link startRedis}. `stop()` sends SIGTERM; `restart()` resolves
 * once it answers PING, empty (no persistence).
 */
export interface RedisServer extends ServerControls {
  /** Always `127.0.0.1`. */
  readonly host: string;
  readonly port: number;
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
}

/** Options of {@link startRedis}. */
export interface StartRedisOptions {
  /** Further `--name value` arguments for redis-server (the cluster helper adds its own). */
  extraArgs?: readonly string[];
}

/** Resolves once redis-server on `port` answers PING; rejects with its log if it exits first. */
async function waitForPing(port: number, child: ManagedProcess, logFile: string): Promise<void> {
  await waitUntil(
    `redis-server on 127.0.0.1:${port} to answer PING`,
    async () => (await redisCommand(port, ["PING"]).catch(() => null)) === "PONG",
    {
      timeoutMs: START_TIMEOUT_MS,
      failFast: () => (child.isRunning() ? null : `redis-server exited:\n${logTail(logFile)}`),
    },
  );
}

/**
 * Starts `redis-server` on a free port of 127.0.0.1 with a temp working directory and no
 * persistence (`--save "" --appendonly no`: a restart starts empty), and resolves once it
 * answers PING. Call `dispose()` in an `after` hook; a crashed test file's server is killed
 * when its process exits anyway.
 */
export async function startRedis(options: StartRedisOptions = {}): Promise<RedisServer> {
  const command = programPath("redis-server");
  const directory = mkdtempSync(join(tmpdir(), "latchkey-redis-"));
  trackTempDirectory(directory);
  const logFile = join(directory, "redis.log");
  const port = await freePort();
  const args = [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--save",
    "",
    "--appendonly",
    "no",
    "--dir",
    directory,
    ...(options.extraArgs ?? []),
  ];

  let child: ManagedProcess | null = null;
  const launch = async (): Promise<void> => {
    mkdirSync(directory, { recursive: true });
    const started = spawnManaged({ command, args, logFile });
    child = started;
    try {
      await waitForPing(port, started, logFile);
    } catch (error) {
      await started.stop("SIGKILL", STOP_GRACE_MS);
      throw error;
    }
  };

  try {
    await launch();
  } catch (error) {
    removeTempDirectory(directory);
    throw error;
  }
  return {
    host: "127.0.0.1",
    port,
    url: `redis://127.0.0.1:${port}`,
    ...serverControls({ current: () => child, launch, stopSignal: "SIGTERM", graceMs: STOP_GRACE_MS, directory }),
  };
}
