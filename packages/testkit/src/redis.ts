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
import { waitUntil } from "./wait-until.js";

/** Start-up of one redis-server, including a restart, must finish within this. Milliseconds. */
const START_TIMEOUT_MS = 15_000;
/** How long a polite SIGTERM may take before SIGKILL. Milliseconds. */
const STOP_GRACE_MS = 10_000;

/** A redis-server started by {@link startRedis}. */
export interface RedisServer {
  /** Always `127.0.0.1`. */
  readonly host: string;
  readonly port: number;
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  /** Shuts the server down (SIGTERM, waiting for the exit). `restart()` brings it back. */
  stop(): Promise<void>;
  /** SIGKILLs the server, as a crash would, and waits for the exit. `restart()` brings it back. */
  kill(): Promise<void>;
  /** Freezes the server (SIGSTOP): connections stay open but nothing answers, as in a hang. */
  pause(): void;
  /** Unfreezes a paused server (SIGCONT). */
  resume(): void;
  /** Stops the server if it runs, then starts it again on the same port; resolves once it answers PING. */
  restart(): Promise<void>;
  /** Stops the server for good and deletes its temp directory. */
  dispose(): Promise<void>;
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
    "--port", String(port),
    "--bind", "127.0.0.1",
    "--save", "",
    "--appendonly", "no",
    "--dir", directory,
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
  const halt = async (signal: NodeJS.Signals): Promise<void> => {
    await child?.stop(signal, STOP_GRACE_MS);
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
    stop: () => halt("SIGTERM"),
    kill: () => halt("SIGKILL"),
    pause: () => child?.signal("SIGSTOP"),
    resume: () => child?.signal("SIGCONT"),
    async restart() {
      await halt("SIGTERM");
      await launch();
    },
    async dispose() {
      await halt("SIGTERM");
      removeTempDirectory(directory);
    },
  };
}
