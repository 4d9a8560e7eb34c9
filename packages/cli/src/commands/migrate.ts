import { migrateServerDatabases } from "@latchkey/server";
import { Command } from "commander";
import type { CliIo } from "../cli-io.js";
import { loadCommandConfig } from "../command-context.js";
import { withConfigOptions } from "../command-options.js";

/**
 * `latchkey migrate`: creates the database if needed and applies pending schema migrations
 * to every SQL database the configuration uses (PostgreSQL when `databaseUrl` is set, else
 * the SQLite file). Redis needs none. Safe to run at any time, also while servers are running.
 */
export function migrateCommand(io: CliIo): Command {
  return withConfigOptions(
    new Command("migrate").description(
      "create the database or bring its schema up to date (SQLite, or PostgreSQL with databaseUrl)",
    ),
  )
    .addHelpText(
      "after",
      "\nExamples:\n  latchkey migrate\n  latchkey migrate --data-dir /var/lib/latchkey\n  LATCHKEY_DATABASE_URL=postgres://latchkey@db/latchkey latchkey migrate",
    )
    .action(async (_options: unknown, command: Command) => {
      const config = loadCommandConfig(command, io);
      for (const result of await migrateServerDatabases(config)) {
        io.stdout(`${result.database === "SQLite" ? "Database" : "PostgreSQL"}: ${result.location}\n`);
        if (result.applied.length === 0) io.stdout(`No migrations to apply (schema version ${result.version}).\n`);
        for (const migration of result.applied)
          io.stdout(`Applied migration ${migration.version}: ${migration.name}\n`);
      }
      if (config.redisUrl !== null || config.redisClusterNodes.length > 0) io.stdout("Redis: no migrations needed.\n");
    });
}
