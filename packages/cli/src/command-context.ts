import { existsSync } from "node:fs";
import { silentLogger, type Latchkey } from "@latchkey/core";
import { createServerLatchkey, loadServerConfig, openServerDatabase, ServerConfigError, type ServerConfig, type ServerDatabase } from "@latchkey/server";
import type { Command } from "commander";
import { CliError } from "./cli-error.js";
import type { CliIo } from "./cli-io.js";
import { stringOption } from "./command-options.js";

/**
 * Loads the configuration exactly as `latchkey serve` does (file, `LATCHKEY_*`, flags), so
 * every command finds the server's database. A bad configuration becomes a {@link CliError}
 * listing every problem.
 */
export function loadCommandConfig(command: Command, io: CliIo, overrides: Readonly<Record<string, string | undefined>> = {}): ServerConfig {
  const configFile = stringOption(command, "config");
  try {
    const config = loadServerConfig({
      overrides: { dataDir: stringOption(command, "dataDir"), ...overrides },
      env: io.env,
      cwd: io.cwd,
      ...(configFile === undefined ? {} : { configFile }),
    });
    for (const warning of config.warnings) io.stderr(`Warning: ${warning}\n`);
    return config;
  } catch (error) {
    if (error instanceof ServerConfigError) throw new CliError(`invalid configuration:\n${error.problems.map((p) => `  - ${p}`).join("\n")}`);
    throw error;
  }
}

/** An open database and the latchkey instance over it, for one command. */
export interface CommandContext {
  readonly config: ServerConfig;
  readonly db: ServerDatabase;
  readonly latchkey: Latchkey;
  close(): void;
}

/**
 * Opens the configured database for a command that reads or changes data. It must exist
 * and be migrated: a command never creates an empty database by accident.
 */
export function openCommandContext(command: Command, io: CliIo): CommandContext {
  const config = loadCommandConfig(command, io);
  if (!existsSync(config.database)) {
    throw new CliError(`no latchkey database at ${config.database}. Run "latchkey migrate" first (or start the server, which migrates at start-up).`);
  }
  const db = openServerDatabase(config, { migrate: false });
  try {
    const latchkey = createServerLatchkey(config, db.stores, { logger: silentLogger });
    return { config, db, latchkey, close: () => db.close() };
  } catch (error) {
    db.close();
    throw error;
  }
}

/** Runs `body` with an open context and always closes the database. */
export async function withCommandContext<T>(command: Command, io: CliIo, body: (context: CommandContext) => Promise<T>): Promise<T> {
  const context = openCommandContext(command, io);
  try {
    return await body(context);
  } finally {
    context.close();
  }
}
