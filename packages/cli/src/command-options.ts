import type { Command } from "commander";

/** Adds `--config` and `--data-dir`, which every command takes. */
export function withConfigOptions(command: Command): Command {
  return command
    .option(
      "--config <file>",
      "JSON config file (default: latchkey.config.json in the working directory, or LATCHKEY_CONFIG)",
    )
    .option("--data-dir <dir>", "data directory holding latchkey.sqlite3 (default: ./data, or LATCHKEY_DATA_DIR)");
}

/** A string option's value, checked (commander types option values loosely). */
export function stringOption(command: Command, name: string): string | undefined {
  const value: unknown = command.opts()[name];
  return typeof value === "string" ? value : undefined;
}

/** A boolean flag's value. */
export function flagOption(command: Command, name: string): boolean | undefined {
  const value: unknown = command.opts()[name];
  return typeof value === "boolean" ? value : undefined;
}
