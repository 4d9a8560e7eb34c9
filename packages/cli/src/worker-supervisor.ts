import cluster, { type Worker } from "node:cluster";
import type { Logger } from "@latchkey/core";
import { obeySupervisor } from "./memory-tuned-serve.js";
import { openServerStores, type ServerConfig } from "@latchkey/server";

/** A worker that crashes is replaced after this long, doubling per recent crash. Milliseconds. */
const RESTART_DELAY_MIN_MS = 250;
const RESTART_DELAY_MAX_MS = 10_000;
/** More abnormal exits than this within the window, and the primary gives up. */
const MAX_CRASHES = 10;
const CRASH_WINDOW_MS = 60_000;
/** How long past the workers' own shutdown deadline the primary waits before SIGKILL. Milliseconds. */
const KILL_GRACE_MS = 5_000;

/**
 * The primary process of `latchkey serve --workers N`. It serves nothing itself:
 *
 * - it applies pending migrations once (when `migrateOnStart`) and checks that every store
 *   answers, so N workers do not race to migrate and a bad URL fails once, with exit 1;
 * - it forks N workers, which share the listening port (node:cluster hands connections out
 *   round-robin) and each log with their own `pid`;
 * - it replaces a worker that exits while the service runs, after 250 ms doubling per crash
 *   in the last minute up to 10 s, and exits 1 after more than 10 crashes in a minute
 *   (a crash loop is a bug or an outage to look at, not to hide);
 * - on SIGTERM or SIGINT it sends SIGTERM to every worker (each finishes its requests in
 *   flight) and exits 0 once all are gone; a second signal, or workers still running 5 s
 *   after their `shutdownTimeoutSeconds`, gets them SIGKILLed and the primary exits 1.
 *
 * Resolves once the workers are forked; the process then lives until the service stops.
 */
export async function runPrimary(config: ServerConfig, logger: Logger): Promise<void> {
  const stores = await openServerStores(config, { migrate: config.migrateOnStart, logger });
  for (const m of stores.applied) {
    logger.info(
      { event: "migration_applied", database: m.database, version: m.version, name: m.name },
      `applied ${m.database} migration ${m.version} (${m.name})`,
    );
  }
  await stores.close();

  const crashes: number[] = [];
  let stopping = false;
  let forcedExit = false;
  let listening = 0;
  const started = new WeakSet<Worker>();
  // Our own count: node:cluster may still list a worker whose process has exited.
  const live = new Set<Worker>();

  function fork(): void {
    const worker = cluster.fork();
    live.add(worker);
    worker.once("listening", (address) => {
      started.add(worker);
      listening += 1;
      if (listening === config.workers) {
        logger.info(
          {
            event: "workers_listening",
            workers: config.workers,
            port: address.port,
            pids: [...live].map((w) => w.process.pid),
          },
          `${config.workers} workers listening`,
        );
      }
    });
  }

  function stopAll(signal: NodeJS.Signals): void {
    for (const worker of live) worker.process.kill(signal);
  }

  cluster.on("exit", (worker, code, signal) => {
    const pid = worker.process.pid;
    live.delete(worker);
    if (stopping) {
      if (live.size === 0) {
        logger.info({ event: "stopped" }, "latchkey stopped: every worker has exited");
        process.exit(forcedExit ? 1 : 0);
      }
      return;
    }
    const abnormal = code !== 0 || signal !== null;
    const now = Date.now();
    if (abnormal) crashes.push(now);
    while (crashes.length > 0 && (crashes[0] ?? now) < now - CRASH_WINDOW_MS) crashes.shift();
    if (crashes.length > MAX_CRASHES) {
      logger.error(
        { event: "workers_crash_loop", crashes: crashes.length, windowSeconds: CRASH_WINDOW_MS / 1000 },
        "workers keep crashing; stopping the server (see the errors above)",
      );
      stopping = true;
      forcedExit = true;
      stopAll("SIGTERM");
      if (live.size === 0) process.exit(1);
      return;
    }
    const delayMs = abnormal
      ? Math.min(RESTART_DELAY_MIN_MS * 2 ** Math.max(crashes.length - 1, 0), RESTART_DELAY_MAX_MS)
      : 0;
    logger.warn(
      { event: "worker_exited", workerPid: pid, code, signal, replacedInMs: delayMs, hadStarted: started.has(worker) },
      `worker ${pid} exited (${signal ?? `code ${code}`}); starting a replacement${delayMs > 0 ? ` in ${delayMs} ms` : ""}`,
    );
    setTimeout(() => {
      if (!stopping) fork();
    }, delayMs);
  });

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      logger.warn({ event: "forced_exit", signal }, `second ${signal}: killing the workers`);
      forcedExit = true;
      stopAll("SIGKILL");
      return;
    }
    stopping = true;
    logger.info({ event: "signal", signal }, `${signal} received: stopping ${config.workers} workers gracefully`);
    stopAll("SIGTERM");
    setTimeout(
      () => {
        logger.warn({ event: "shutdown_timeout" }, "workers still running past the shutdown deadline; killing them");
        forcedExit = true;
        stopAll("SIGKILL");
      },
      config.shutdownTimeoutSeconds * 1000 + KILL_GRACE_MS,
    ).unref();
    if (live.size === 0) process.exit(0);
  };
  // Under the memory-tuned `latchkey serve` supervisor, stop on its messages instead (see obeySupervisor).
  if (!obeySupervisor((reason) => onSignal(reason === "disconnect" ? "SIGTERM" : reason))) {
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  }

  logger.info({ event: "primary_started", workers: config.workers }, `starting ${config.workers} workers`);
  for (let i = 0; i < config.workers; i += 1) fork();
}
