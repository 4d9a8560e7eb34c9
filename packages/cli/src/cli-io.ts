/** Where a command reads and writes: the real process by default, swappable for embedding. */
export interface CliIo {
  /** Writes to standard output (text as given, no newline added). */
  stdout(text: string): void;
  /** Writes to standard error. */
  stderr(text: string): void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** True when standard input is a terminal, so hidden password prompts can work. */
  readonly interactive: boolean;
}

/** The running process's streams, environment and working directory. */
export function processIo(): CliIo {
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
    interactive: process.stdin.isTTY === true,
  };
}
