import cluster from "node:cluster";
import { createServerLogger, installProcessGuard, startServer } from "@latchkey/server";
import { Command } from "commander";
import type { CliIo } from "../cli-io.js";
import { loadCommandConfig } from "../command-context.js";
import { stringOption, withConfigOptions } from "../command-options.js";
import { obeySupervisor } from "../memory-tuned-serve.js";
import { runPrimary } from "../worker-supervisor.js";

/**
 * `latchkey serve`: starts the ready server and keeps it running until SIGINT or SIGTERM,
 * then shuts down gracefully (requests in flight finish, the stores close) and exits 0.
 * A second signal during shutdown exits at once with 1. With `--workers N` (N > 1) this
 * process becomes the node:cluster primary of N server processes (see `runPrimary`).
 */
export function serveCommand(io: CliIo): Command {
  return withConfigOptions(
    new Command("serve")
      .description(
        "start the auth API (and serve a built SPA) on SQLite, or on PostgreSQL and/or Redis when configured",
      )
      .option("--host <host>", "interface to listen on (default: 127.0.0.1, or LATCHKEY_HOST)")
      .option("--port <port>", "TCP port, 0 for any free port (default: 8000, or LATCHKEY_PORT)")
      .option("--spa <dir>", "built SPA folder to serve, with index.html (or LATCHKEY_SPA_DIR)")
      .option("--workers <n>", "server processes sharing the port (default: 1, or LATCHKEY_WORKERS)"),
  )
    .addHelpText(
      "after",
      `
The server logs one JSON object per line on stdout; the "listening" line carries the URL:
  {"level":30,...,"event":"listening","url":"http://127.0.0.1:8000",...}
Every setting can also come from the config file or a LATCHKEY_* variable (docs/configuration.md).

Examples:
  latchkey serve
  latchkey serve --port 8080 --spa ./dist
  latchkey serve --workers 4
  LATCHKEY_REDIS_URL=redis://127.0.0.1:6379 LATCHKEY_DATABASE_URL=postgres://latchkey@127.0.0.1/latchkey latchkey serve
  LATCHKEY_MODE=production latchkey serve --host 0.0.0.0 --config /etc/latchkey.json`,
    )
    .action(async (_options: unknown, command: Command) => {
      const config = loadCommandConfig(command, io, {
        host: stringOption(command, "host"),
        port: stringOption(command, "port"),
        spaDir: stringOption(command, "spa"),
        workers: stringOption(command, "workers"),
      });
      const worker = cluster.isWorker;
      const logger = worker
        ? createServerLogger(config).child({ worker: cluster.worker?.id })
        : createServerLogger(config);
      if (config.workers > 1 && cluster.isPrimary) {
        await runPrimary(config, logger);
        return;
      }
      let server: Awaited<ReturnType<typeof startServer>>;
      try {
        // A worker's primary has migrated already.
        server = await startServer(config, { logger, ...(worker ? { migrate: false } : {}) });
      } catch (error) {
        // A worker's IPC channel would keep it alive after the error: let it go.
        if (worker) process.disconnect();
        throw error;
      }
      let signals = 0;
      const stop = (signal: NodeJS.Signals | "disconnect") => {
        signals += 1;
        if (signals > 1) {
          logger.warn({ event: "forced_exit", signal }, `second ${signal}: exiting without waiting`);
          process.exit(1);
        }
        logger.info(
          { event: "signal", signal },
          signal === "disconnect" ? "the primary is gone: stopping" : `${signal} received`,
        );
        server.close().then(
          () => process.exit(0),
          (error: unknown) => {
            logger.error(
              { event: "shutdown_failed", err: error instanceof Error ? error.message : String(error) },
              "shutdown failed",
            );
            process.exit(1);
          },
        );
      };
      process.on("SIGTERM", stop);
      // Unhandled rejections: logged, the server keeps serving; an uncaught exception: logged,
      // then a graceful shutdown with exit code 1 (see installProcessGuard for why).
      installProcessGuard({
        logger,
        shutdown: () => {
          signals += 1;
          server.close().then(
            () => process.exit(1),
            () => process.exit(1),
          );
        },
      });
      if (worker) {
        // Ctrl-C reaches every process of the group; the primary turns it into one SIGTERM
        // per worker, so a worker ignores SIGINT instead of counting it as a second signal.
        process.on("SIGINT", () => {});
        process.once("disconnect", () => {
          if (signals === 0) stop("disconnect");
        });
      } else {
        // Started by the memory-tuned `latchkey serve` supervisor (memory-tuned-serve.ts)?
        // Ctrl-C and systemd's stop signal both processes, so then stop only on its messages.
        const supervised = obeySupervisor((reason) => {
          if (reason !== "disconnect" || signals === 0) stop(reason);
        });
        if (supervised) process.off("SIGTERM", stop);
        else process.on("SIGINT", stop);
      }
    });
}
