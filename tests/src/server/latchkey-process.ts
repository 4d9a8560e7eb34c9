import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (this file runs from tests/dist/server/). */
export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
/** The committed `latchkey` bin shim, run exactly as npm would. */
export const LATCHKEY_BIN = join(REPO_ROOT, "packages", "cli", "bin", "latchkey.js");

/** A fresh temporary directory, deleted by `cleanup()`. */
export function tempDir(prefix = "latchkey-"): { path: string; cleanup(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * The environment for a spawned latchkey: only PATH and what the test gives, so LATCHKEY_*
 * or NODE_ENV of the machine running the tests cannot leak in.
 */
function cleanEnv(env: Readonly<Record<string, string>>): Record<string, string> {
  return { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** What a finished `latchkey` command did. */
export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `latchkey <args>` to completion. Standard input is empty (not a terminal). */
export function runLatchkey(
  args: readonly string[],
  options: { cwd: string; env?: Readonly<Record<string, string>> },
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LATCHKEY_BIN, ...args], {
      cwd: options.cwd,
      env: cleanEnv(options.env ?? {}),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** One pino log line of the server. */
export type LogLine = Record<string, unknown>;

/** A `latchkey serve` process. */
export interface ServeProcess {
  readonly child: ChildProcess;
  /** The URL from the `listening` log line. */
  readonly url: string;
  /** Every log line so far. */
  readonly logs: readonly LogLine[];
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Resolves with the first log line (past or future) matching `predicate`; rejects if the process exits first. */
  waitForLog(predicate: (line: LogLine) => boolean): Promise<LogLine>;
  /** Resolves with the exit code once the process has exited. */
  exited(): Promise<number | null>;
  /** Sends `signal` (default SIGTERM) and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Spawns `latchkey serve <args>` and resolves once it logs its URL, or rejects with its
 * stderr if it exits first. Pass `--port 0` so each test gets a free port.
 */
export function startServe(
  args: readonly string[],
  options: { cwd: string; env?: Readonly<Record<string, string>> },
): Promise<ServeProcess> {
  const child = spawn(process.execPath, [LATCHKEY_BIN, "serve", ...args], {
    cwd: options.cwd,
    env: cleanEnv(options.env ?? {}),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: LogLine[] = [];
  const waiters: {
    predicate: (line: LogLine) => boolean;
    resolve: (line: LogLine) => void;
    reject: (error: Error) => void;
  }[] = [];
  let stderr = "";
  let exitCode: number | null | undefined;
  const exitWaiters: ((code: number | null) => void)[] = [];
  let buffered = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    buffered += chunk;
    let newline: number;
    while ((newline = buffered.indexOf("\n")) !== -1) {
      const text = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      let line: LogLine;
      try {
        const parsed: unknown = JSON.parse(text);
        line = isRecord(parsed) ? parsed : { msg: text };
      } catch {
        line = { msg: text, notJson: true };
      }
      logs.push(line);
      for (const waiter of [...waiters]) {
        if (waiter.predicate(line)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      }
    }
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  child.once("exit", (code) => {
    exitCode = code;
    for (const waiter of waiters.splice(0))
      waiter.reject(new Error(`latchkey serve exited (${code}) before the expected log line.\nstderr:\n${stderr}`));
    for (const resolve of exitWaiters.splice(0)) resolve(code);
  });

  function waitForLog(predicate: (line: LogLine) => boolean): Promise<LogLine> {
    const seen = logs.find(predicate);
    if (seen !== undefined) return Promise.resolve(seen);
    if (exitCode !== undefined)
      return Promise.reject(new Error(`latchkey serve already exited (${exitCode}).\nstderr:\n${stderr}`));
    return new Promise((resolve, reject) => waiters.push({ predicate, resolve, reject }));
  }
  function exited(): Promise<number | null> {
    if (exitCode !== undefined) return Promise.resolve(exitCode);
    return new Promise((resolve) => exitWaiters.push(resolve));
  }

  return waitForLog((line) => line.event === "listening").then((line) => ({
    child,
    url: String(line.url),
    logs,
    stderr: () => stderr,
    waitForLog,
    exited,
    stop(signal: NodeJS.Signals = "SIGTERM") {
      if (exitCode === undefined) child.kill(signal);
      return exited();
    },
  }));
}
