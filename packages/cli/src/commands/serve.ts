import { createServerLogger, startServer } from "@latchkey/server";
import { Command } from "commander";
import type { CliIo } from "../cli-io.js";
import { loadCommandConfig } from "../command-context.js";
import { stringOption, withConfigOptions } from "../command-options.js";

/**
 * `latchkey serve`: starts the ready server and keeps it running until SIGINT or SIGTERM,
 * then shuts down gracefully (requests in flight finish, the database closes) and exits 0.
 * A second signal during shutdown exits at once with 1.
 */
export function serveCommand(io: CliIo): Command {
  return withConfigOptions(
    new Command("serve")
      .description("start the auth API (and serve a built SPA) on the embedded SQLite database")
      .option("--host <host>", "interface to listen on (default: 127.0.0.1, or LATCHKEY_HOST)")
      .option("--port <port>", "TCP port, 0 for any free port (default: 8000, or LATCHKEY_PORT)")
      .option("--spa <dir>", "built SPA folder to serve, with index.html (or LATCHKEY_SPA_DIR)"),
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
  LATCHKEY_MODE=production latchkey serve --host 0.0.0.0 --config /etc/latchkey.json`,
    )
    .action(async (_options: unknown, command: Command) => {
      const config = loadCommandConfig(command, io, {
        host: stringOption(command, "host"),
        port: stringOption(command, "port"),
        spaDir: stringOption(command, "spa"),
      });
      const logger = createServerLogger(config);
      const server = await startServer(config, { logger });
      let signals = 0;
      const stop = (signal: NodeJS.Signals) => {
        signals += 1;
        if (signals > 1) {
          logger.warn({ event: "forced_exit", signal }, `second ${signal}: exiting without waiting`);
          process.exit(1);
        }
        logger.info({ event: "signal", signal }, `${signal} received`);
        server.close().then(
          () => process.exit(0),
          (error: unknown) => {
            logger.error({ event: "shutdown_failed", err: error instanceof Error ? error.message : String(error) }, "shutdown failed");
            process.exit(1);
          },
        );
      };
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
    });
}
