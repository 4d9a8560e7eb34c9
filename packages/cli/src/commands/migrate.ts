import { migrateSqlite, openSqliteDatabase } from "@latchkey/store-sqlite";
import { Command } from "commander";
import { CliError } from "../cli-error.js";
import type { CliIo } from "../cli-io.js";
import { loadCommandConfig } from "../command-context.js";
import { withConfigOptions } from "../command-options.js";

/**
 * `latchkey migrate`: creates the database if needed and applies pending schema migrations.
 * Safe to run at any time, also while servers are running on the same file.
 */
export function migrateCommand(io: CliIo): Command {
  return withConfigOptions(new Command("migrate").description("create the SQLite database or bring its schema up to date"))
    .addHelpText("after", "\nExamples:\n  latchkey migrate\n  latchkey migrate --data-dir /var/lib/latchkey")
    .action((_options: unknown, command: Command) => {
      const config = loadCommandConfig(command, io);
      let database: ReturnType<typeof openSqliteDatabase>;
      try {
        database = openSqliteDatabase(config.database);
      } catch (error) {
        throw new CliError(`cannot open the SQLite database ${config.database}: ${error instanceof Error ? error.message : String(error)}`);
      }
      try {
        io.stdout(`Database: ${config.database}\n`);
        const result = migrateSqlite(database);
        if (result.applied.length === 0) io.stdout(`No migrations to apply (schema version ${result.version}).\n`);
        for (const migration of result.applied) io.stdout(`Applied migration ${migration.version}: ${migration.name}\n`);
      } finally {
        database.close();
      }
    });
}
