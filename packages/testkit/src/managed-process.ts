import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync, readFileSync, rmSync } from "node:fs";
import { setTimeout as delay } from "node:timers/promises";
import { findProgram } from "./programs.js";

/** A system user to run a program as (PostgreSQL refuses to run as root). */
export interface RunAs {
  name: string;
  uid: number;
  gid: number;
}

/** What {@link spawnManaged} starts. */
export interface SpawnSpec {
  /** Absolute path of the program. */
  command: string;
  args: readonly string[];
  /** stdout and stderr are appended here (a file, not a pipe, so nothing holds the event loop). */
  logFile: string;
  /** Run as this user instead of the current one. */
  runAs?: RunAs;
}

/** How a process ended. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A child process this kit started, tracked until it exits. */
export interface ManagedProcess {
  readonly pid: number;
  /** Resolves once the process has exited (or failed to start), keeping the event loop alive meanwhile. */
  waitForExit(): Promise<ProcessExit>;
  isRunning(): boolean;
  /** Sends `signal` to this process only (never a process group or a name). */
  signal(signal: NodeJS.Signals): void;
  /**
   * Sends `signal` and waits up to `graceMs` for the exit, then SIGKILLs and waits again.
   */
  stop(signal: NodeJS.Signals, graceMs: number): Promise<ProcessExit>;
}

const liveChildren = new Set<ChildProcess>();
const tempDirectories = new Set<string>();
let safetyNetInstalled = false;

/** SIGKILLs every child still running and deletes every temp directory; synchronous, for "exit". */
function killEverythingNow(): void {
  for (const child of liveChildren) {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
  }
  liveChildren.clear();
  for (const directory of tempDirectories) rmSync(directory, { recursive: true, force: true });
  tempDirectories.clear();
}

/**
 * Makes sure no server outlives the test process, even one whose test crashed before its
 * `after` hook: children are killed on "exit", and on SIGINT/SIGTERM/SIGHUP (after which the
 * signal is raised again so the process still ends the way the sender wanted). Children are
 * also started with a parent-death signal (see {@link spawnManaged}) for a SIGKILLed parent.
 */
function installSafetyNet(): void {
  if (safetyNetInstalled) return;
  safetyNetInstalled = true;
  process.on("exit", killEverythingNow);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      killEverythingNow();
      process.kill(process.pid, signal);
    });
  }
}

/** Registers a temp directory to delete at exit if the test never disposes of it. */
export function trackTempDirectory(directory: string): void {
  installSafetyNet();
  tempDirectories.add(directory);
}

/** Deletes a temp directory registered with {@link trackTempDirectory}. */
export function removeTempDirectory(directory: string): void {
  rmSync(directory, { recursive: true, force: true });
  tempDirectories.delete(directory);
}

/** The last `chars` characters of a log file, for error messages. */
export function logTail(file: string, chars = 2_000): string {
  try {
    const text = readFileSync(file, "utf8");
    return text.length > chars ? `…${text.slice(-chars)}` : text;
  } catch {
    return "(no log)";
  }
}

/**
 * The command line that runs `spec`: through `setpriv` when available, which execs in place
 * (so the pid we hold is the server's own, and signals reach it directly), sets a
 * parent-death SIGKILL, and switches user when `runAs` is given. Without setpriv, `runuser`
 * switches user (it stays the parent, forwarding SIGTERM/SIGINT).
 */
function commandLine(spec: SpawnSpec): { command: string; args: string[] } {
  const setpriv = findProgram("setpriv");
  if (setpriv !== null) {
    const user =
      spec.runAs === undefined
        ? []
        : ["--reuid", String(spec.runAs.uid), "--regid", String(spec.runAs.gid), "--clear-groups"];
    return { command: setpriv, args: ["--pdeathsig", "KILL", ...user, "--", spec.command, ...spec.args] };
  }
  if (spec.runAs !== undefined) {
    const runuser = findProgram("runuser");
    if (runuser === null) {
      throw new Error(`Cannot run ${spec.command} as ${spec.runAs.name}: neither setpriv nor runuser is installed.`);
    }
    return { command: runuser, args: ["-u", spec.runAs.name, "--", spec.command, ...spec.args] };
  }
  return { command: spec.command, args: [...spec.args] };
}

/**
 * Starts a program as a tracked child: output goes to `spec.logFile`, the child is unref'd
 * (a forgotten server never keeps the test process alive; the safety net kills it at exit).
 */
export function spawnManaged(spec: SpawnSpec): ManagedProcess {
  installSafetyNet();
  const { command, args } = commandLine(spec);
  const log = openSync(spec.logFile, "a");
  let child: ChildProcess;
  try {
    child = spawn(command, args, { stdio: ["ignore", log, log] });
  } finally {
    closeSync(log);
  }
  liveChildren.add(child);
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once("exit", (code, signal) => {
      liveChildren.delete(child);
      child.unref();
      resolve({ code, signal });
    });
    child.once("error", () => {
      liveChildren.delete(child);
      resolve({ code: null, signal: null });
    });
  });
  child.unref();
  const pid = child.pid ?? -1;
  const isRunning = (): boolean => liveChildren.has(child);
  const signal = (name: NodeJS.Signals): void => {
    if (isRunning() && pid > 0) process.kill(pid, name);
  };
  const waitForExit = (): Promise<ProcessExit> => {
    // Unref'd children do not keep the loop alive; while someone waits for this exit, it must.
    if (isRunning()) child.ref();
    return exited;
  };
  return {
    pid,
    waitForExit,
    isRunning,
    signal,
    async stop(name: NodeJS.Signals, graceMs: number): Promise<ProcessExit> {
      if (!isRunning()) return exited;
      const exit = waitForExit();
      signal("SIGCONT"); // a paused process cannot act on a polite signal
      signal(name);
      const timeout = delay(graceMs, "timeout" as const, { ref: false });
      if ((await Promise.race([exit, timeout])) === "timeout") signal("SIGKILL");
      return exit;
    },
  };
}

/** Runs a program to completion; rejects with its log when it fails. */
export async function runToCompletion(spec: SpawnSpec, what: string): Promise<void> {
  const result = await spawnManaged(spec).waitForExit();
  if (result.code !== 0) {
    throw new Error(`${what} failed (exit ${String(result.code ?? result.signal)}):\n${logTail(spec.logFile)}`);
  }
}
