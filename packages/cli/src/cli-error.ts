/**
 * An expected failure of a command (unknown user, refused password, bad configuration):
 * the CLI prints `message` on stderr, without a stack trace, and exits with `exitCode`.
 */
export class CliError extends Error {
  /** 1 for a failure, 2 for wrong usage. */
  readonly exitCode: number;

  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = "CliError";
    this.exitCode = exitCode;
  }
}

/** The command was called wrongly (a missing or conflicting option): exit code 2. */
export function usageError(message: string): CliError {
  return new CliError(message, 2);
}
