import { existsSync } from "node:fs";
import { silentLogger, type Latchkey } from "@latchkey/core";
import {
  createServerLatchkey,
  loadServerConfig,
  openServerStores,
  ServerConfigError,
  type ServerConfig,
  type ServerStores,
} from "@latchkey/server";
import { SqliteChangeNotAcknowledgedError } from "@latchkey/store-sqlite";
import type { Command } from "commander";
import { CliError } from "./cli-error.js";
import type { CliIo } from "./cli-io.js";
import { stringOption } from "./command-options.js";

/**
 * Loads the configuration exactly as `latchkey serve` does (file, `LATCHKEY_*`, flags), so
 * every command finds the server's database. A bad configuration becomes a {@link CliError}
 * listing every problem.
 */
export function loadCommandConfig(
  command: Command,
  io: CliIo,
  overrides: Readonly<Record<string, string | undefined>> = {},
): ServerConfig {
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
    if (error instanceof ServerConfigError)
      throw new CliError(`invalid configuration:\n${error.problems.map((p) => `  - ${p}`).join("\n")}`);
    throw error;
  }
}

/** The open stores and the latchkey instance over them, for one command. */
export interface CommandContext {
  readonly config: ServerConfig;
  readonly db: ServerStores;
  readonly latchkey: Latchkey;
  close(): Promise<void>;
}

/**
 * Opens the configured stores for a command that reads or changes data. They must exist and
 * be migrated: a command never creates an empty database by accident. When the servers keep
 * a session cache, the command's revocations are published to them (it keeps no cache itself).
 */
export async function openCommandContext(command: Command, io: CliIo): Promise<CommandContext> {
  const config = loadCommandConfig(command, io);
  if (config.databaseUrl === null && !existsSync(config.database)) {
    throw new CliError(
      `no latchkey database at ${config.database}. Run "latchkey migrate" first (or start the server, which migrates at start-up).`,
    );
  }
  // "announce": once the command is done, every server on the SQLite file is told about its
  // writes and confirms it dropped its cache, before the command returns.
  const db = await openServerStores(config, { migrate: false, sqliteChanges: "announce" });
  try {
    const latchkey = createServerLatchkey(config, db.stores, {
      logger: silentLogger,
      invalidationBus: db.bus,
      sessionCache: false,
    });
    const close = async (): Promise<void> => {
      try {
        await db.announceChanges();
      } catch (error) {
        if (error instanceof SqliteChangeNotAcknowledgedError) throw new CliError(error.message);
        throw error;
      } finally {
        await db.close();
      }
    };
    return { config, db, latchkey, close };
  } catch (error) {
    await db.close();
    throw error;
  }
}

/** Runs `body` with an open context and always closes the stores. */
export async function withCommandContext<T>(
  command: Command,
  io: CliIo,
  body: (context: CommandContext) => Promise<T>,
): Promise<T> {
  const context = await openCommandContext(command, io);
  try {
    return await body(context);
  } finally {
    await context.close();
  }
}
