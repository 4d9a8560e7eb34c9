import { spawn, type ChildProcess } from "node:child_process";
import { findProgram } from "@latchkey/testkit";

/** One line a child wrote, JSON-parsed when it is a JSON object (pino logs), else as text. */
export type OutputLine = Readonly<Record<string, unknown>> & { readonly text: string };

/** A program this harness started, with its output kept in memory. */
export interface RunningChild {
  readonly pid: number;
  /** Every stdout and stderr line so far, in arrival order. */
  readonly lines: readonly OutputLine[];
  /** All output so far as text, for error messages. */
  output(): string;
  /**
   * Resolves with the first line (past or future) matching `predicate`; rejects if the child exits first or after
   * `timeoutMs`.
   */
  waitForLine(what: string, predicate: (line: OutputLine) => boolean, timeoutMs?: number): Promise<OutputLine>;
  /** True until the child has exited. */
  isRunning(): boolean;
  /** Resolves with the exit code (null when killed by a signal) once the child has exited. */
  exited(): Promise<number | null>;
  /** SIGTERM (or `signal`), then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
  /** Writes `text` to the child's stdin (started with `stdin: "pipe"`; otherwise throws). */
  write(text: string): void;
}

const live = new Map<ChildProcess, "SIGKILL" | "SIGTERM">();
let safetyNet = false;

/**
 * A test that crashes before its `after` hook must not leave nginx, Vite or latchkey running:
 * every child still alive when this process exits gets its exit signal, by its own pid.
 */
function installSafetyNet(): void {
  if (safetyNet) return;
  safetyNet = true;
  process.on("exit", () => {
    for (const [child, signal] of live) {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(child.pid, signal);
        } catch {
          // Already gone.
        }
      }
    }
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function parseLine(text: string): OutputLine {
  if (text.startsWith("{")) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (isRecord(parsed)) return { ...parsed, text };
    } catch {
      // Not JSON after all: kept as text.
    }
  }
  return { text };
}

/** Options of {@link startChild}. */
export interface StartChildOptions {
  cwd: string;
  /** The whole environment of the child (nothing of this process's leaks in). */
  env: Readonly<Record<string, string>>;
  /**
   * The signal that ends the child when this process exits or dies. nginx wants SIGTERM:
   * a SIGKILLed master leaves its workers running (and listening).
   * @default "SIGKILL"
   */
  exitSignal?: "SIGKILL" | "SIGTERM";
  /** "pipe" to talk to the child with {@link RunningChild.write}. @default "ignore" */
  stdin?: "ignore" | "pipe";
}

/**
 * `setpriv --pdeathsig <signal> -- command args` where setpriv exists: it execs in place (the
 * pid stays the program's own) and has the kernel signal the child if this process dies
 * without running its exit handlers (SIGKILL, a crash), as @latchkey/testkit does.
 */
function withParentDeathSignal(
  command: string,
  args: readonly string[],
  signal: "SIGKILL" | "SIGTERM",
): { command: string; args: string[] } {
  const setpriv = findProgram("setpriv");
  if (setpriv === null) return { command, args: [...args] };
  return { command: setpriv, args: ["--pdeathsig", signal === "SIGKILL" ? "KILL" : "TERM", "--", command, ...args] };
}

/**
 * Starts `command args` with piped output split into lines. The environment is exactly
 * `options.env` (plus PATH and HOME), so LATCHKEY_* or NODE_ENV of the machine running the
 * tests cannot change what a test starts.
 */
export function startChild(command: string, args: readonly string[], options: StartChildOptions): RunningChild {
  installSafetyNet();
  const env = {
    PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
    HOME: process.env.HOME ?? "/tmp",
    ...options.env,
  };
  const exitSignal = options.exitSignal ?? "SIGKILL";
  const line = withParentDeathSignal(command, args, exitSignal);
  const child = spawn(line.command, line.args, {
    cwd: options.cwd,
    env,
    stdio: [options.stdin ?? "ignore", "pipe", "pipe"],
  });
  live.set(child, exitSignal);
  const lines: OutputLine[] = [];
  const waiters = new Set<{ predicate: (line: OutputLine) => boolean; resolve: (line: OutputLine) => void }>();
  let exitCode: number | null | undefined;
  const exitWaiters: ((code: number | null) => void)[] = [];
  const failWaiters = new Set<(error: Error) => void>();

  function push(text: string): void {
    const line = parseLine(text);
    lines.push(line);
    for (const waiter of [...waiters]) {
      if (waiter.predicate(line)) {
        waiters.delete(waiter);
        waiter.resolve(line);
      }
    }
  }
  for (const stream of [child.stdout, child.stderr]) {
    if (stream === null) continue; // never: both are piped
    let buffered = "";
    stream.setEncoding("utf8").on("data", (chunk: string) => {
      buffered += chunk;
      let newline: number;
      while ((newline = buffered.indexOf("\n")) !== -1) {
        push(buffered.slice(0, newline));
        buffered = buffered.slice(newline + 1);
      }
    });
    stream.on("end", () => {
      if (buffered !== "") push(buffered);
      buffered = "";
    });
  }
  const output = (): string => lines.map((line) => line.text).join("\n");
  const onExit = (code: number | null): void => {
    if (exitCode !== undefined) return;
    exitCode = code;
    live.delete(child);
    for (const fail of [...failWaiters])
      fail(new Error(`${command} exited (${String(code)}) early. Output:\n${output()}`));
    for (const resolve of exitWaiters.splice(0)) resolve(code);
  };
  // "close" (not "exit"): every output line has been read by then. But a grandchild that
  // inherited the pipes (nginx's workers) can hold them open after the child itself exited:
  // then "exit" counts after a grace period.
  let afterExit: NodeJS.Timeout | undefined;
  child.once("exit", (code) => {
    afterExit = setTimeout(() => onExit(code), 2_000);
  });
  child.once("close", (code) => {
    clearTimeout(afterExit);
    onExit(code);
  });
  child.once("error", (error) => {
    push(`spawn error: ${error.message}`);
    onExit(null);
  });

  function exited(): Promise<number | null> {
    if (exitCode !== undefined) return Promise.resolve(exitCode);
    return new Promise((resolve) => exitWaiters.push(resolve));
  }

  return {
    pid: child.pid ?? -1,
    lines,
    output,
    isRunning: () => exitCode === undefined,
    exited,
    waitForLine(what, predicate, timeoutMs = 30_000) {
      const seen = lines.find(predicate);
      if (seen !== undefined) return Promise.resolve(seen);
      if (exitCode !== undefined)
        return Promise.reject(
          new Error(`${command} already exited (${String(exitCode)}) without ${what}. Output:\n${output()}`),
        );
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          failWaiters.delete(fail);
          reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}. Output of ${command}:\n${output()}`));
        }, timeoutMs);
        const fail = (error: Error): void => {
          clearTimeout(timer);
          waiters.delete(waiter);
          failWaiters.delete(fail);
          reject(error);
        };
        const waiter = {
          predicate,
          resolve: (line: OutputLine) => {
            clearTimeout(timer);
            failWaiters.delete(fail);
            resolve(line);
          },
        };
        waiters.add(waiter);
        failWaiters.add(fail);
      });
    },
    write(text) {
      if (child.stdin === null) throw new Error(`${command} was started without stdin: "pipe"`);
      child.stdin.write(text);
    },
    async stop(signal: NodeJS.Signals = "SIGTERM", graceMs = 5_000) {
      if (exitCode !== undefined || child.pid === undefined) return;
      const done = exited();
      try {
        process.kill(child.pid, signal);
      } catch {
        // It exited between the check and the signal.
      }
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), graceMs)));
      if ((await Promise.race([done, late])) === "late" && exitCode === undefined) {
        try {
          process.kill(child.pid, "SIGKILL");
        } catch {
          // Gone meanwhile.
        }
      }
      clearTimeout(timer);
      await done;
    },
  };
}

/** Runs `command args` to the end; resolves with its exit code and output. */
export async function runToEnd(
  command: string,
  args: readonly string[],
  options: StartChildOptions,
): Promise<{ code: number | null; output: string }> {
  const child = startChild(command, args, options);
  const code = await child.exited();
  return { code, output: child.output() };
}
