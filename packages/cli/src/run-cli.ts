import { StoreUnavailableError } from "@latchkey/core";
import { ServerConfigError, ServerStartError } from "@latchkey/server";
import { SqliteMigrationsPendingError } from "@latchkey/store-sqlite";
import { CommanderError } from "commander";
import { CliError } from "./cli-error.js";
import { processIo, type CliIo } from "./cli-io.js";
import { buildProgram } from "./program.js";

/** Errors whose message says everything: printed without a stack trace. */
function expectedMessage(error: unknown): { message: string; exitCode: number } | null {
  if (error instanceof CliError) return { message: error.message, exitCode: error.exitCode };
  if (error instanceof ServerConfigError)
    return { message: `invalid configuration:\n${error.problems.map((p) => `  - ${p}`).join("\n")}`, exitCode: 1 };
  if (
    error instanceof SqliteMigrationsPendingError ||
    error instanceof ServerStartError ||
    error instanceof StoreUnavailableError
  )
    return { message: error.message, exitCode: 1 };
  return null;
}

/**
 * Runs the `latchkey` command line (`argv` without `node` and the script) and resolves to
 * the exit code: 0 success, 1 failure, 2 wrong usage. `serve` resolves once the server
 * listens; the process then lives until a signal stops it.
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return 0;
  } catch (error) {
    // Commander already printed its message (unknown command, missing argument, help).
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    const expected = expectedMessage(error);
    if (expected !== null) {
      io.stderr(`Error: ${expected.message}\n`);
      return expected.exitCode;
    }
    io.stderr(
      `Error: unexpected failure: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return 1;
  }
}
