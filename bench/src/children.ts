import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { parseChildMessage, type ChildMessage, type RunnerMessage } from "./messages.js";

/** Which core a process is pinned to: the servers and their stores on 0, load generators on 1 (as in peers.md). */
export type Core = 0 | 1;

/** A child process the bench started: a server, a load generator or the hash timer. */
export interface BenchChild {
  readonly pid: number;
  /** What it is, for messages. */
  readonly label: string;
  /** Sends a message over IPC. */
  send(message: RunnerMessage): void;
  /** Resolves with the next message that `accept` takes, rejecting when the child exits first or after `timeoutMs`. */
  next<T>(accept: (message: ChildMessage) => T | null, timeoutMs: number): Promise<T>;
  /** SIGTERM, then SIGKILL after a grace period; resolves once it has exited. */
  stop(): Promise<void>;
}

/** What to start. */
export interface ChildSpec {
  /** Absolute path of a compiled bench script. */
  script: string;
  args: readonly string[];
  label: string;
  core: Core;
  /** Environment additions (the child gets the runner's environment plus these). */
  env?: Readonly<Record<string, string>>;
  /** Where the child's stdout and stderr go. */
  logFile: string;
  /** Extra node flags (`--cpu-prof`, ...). */
  nodeFlags?: readonly string[];
}

/** Starts and tracks children so every one of them can be killed, by pid, on the way out. */
export interface ChildRegistry {
  /** True when children are pinned to cores with taskset. */
  readonly pinned: boolean;
  start(spec: ChildSpec): BenchChild;
  /** Pins another process (a store server) to a core, with all its threads. No-op without pinning. */
  pinProcess(pid: number, core: Core): void;
  /** Stops every child still running. */
  stopAll(): Promise<void>;
  /** SIGKILLs every child still running, synchronously (for process exit). */
  killAllNow(): void;
}

const STOP_GRACE_MS = 5_000;

function hasTaskset(): boolean {
  const probe = spawnSync("taskset", ["-c", "0", "true"], { stdio: "ignore" });
  return probe.status === 0;
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

function wrap(child: ChildProcess, label: string): BenchChild {
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${label} did not start.`);
  const exited = new Promise<void>((resolve) => {
    if (!isRunning(child)) resolve();
    else child.once("exit", () => resolve());
  });
  return {
    pid,
    label,
    send(message) {
      if (child.connected) child.send(message);
    },
    next(accept, timeoutMs) {
      return new Promise((resolve, reject) => {
        const cleanup = () => {
          clearTimeout(timer);
          child.off("message", onMessage);
          child.off("exit", onExit);
        };
        const onMessage = (raw: unknown) => {
          const message = parseChildMessage(raw);
          if (message === null) return;
          if (message.type === "failed") {
            cleanup();
            reject(new Error(`${label} failed: ${message.message}`));
            return;
          }
          const value = accept(message);
          if (value === null) return;
          cleanup();
          resolve(value);
        };
        const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
          cleanup();
          reject(new Error(`${label} exited (code ${code ?? "none"}, signal ${signal ?? "none"}) before answering.`));
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`${label} did not answer within ${Math.round(timeoutMs / 1000)} s.`));
        }, timeoutMs);
        child.on("message", onMessage);
        child.once("exit", onExit);
        if (!isRunning(child)) onExit(child.exitCode, child.signalCode);
      });
    },
    async stop() {
      if (!isRunning(child)) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => {
        if (isRunning(child)) child.kill("SIGKILL");
      }, STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A registry; pinning is used when asked for, taskset exists and the machine has two cores or more. */
export function createChildRegistry(options: { pin: boolean; cores: number }): ChildRegistry {
  const pinned = options.pin && options.cores >= 2 && process.platform === "linux" && hasTaskset();
  const live = new Map<number, { child: ChildProcess; wrapped: BenchChild }>();

  return {
    pinned,
    start(spec) {
      const out = openSync(spec.logFile, "a");
      const nodeArgs = [...(spec.nodeFlags ?? []), spec.script, ...spec.args];
      // taskset execs node in place, so the pid is node's own: /proc figures and kills hit the server itself.
      const [command, args] = pinned
        ? ["taskset", ["-c", String(spec.core), process.execPath, ...nodeArgs]]
        : [process.execPath, nodeArgs];
      const child = spawn(command, args, {
        stdio: ["ignore", out, out, "ipc"],
        env: { ...process.env, ...spec.env },
      });
      closeSync(out);
      const wrapped = wrap(child, spec.label);
      live.set(wrapped.pid, { child, wrapped });
      child.once("exit", () => live.delete(wrapped.pid));
      return wrapped;
    },
    pinProcess(pid, core) {
      if (!pinned) return;
      spawnSync("taskset", ["-a", "-p", "-c", String(core), String(pid)], { stdio: "ignore" });
    },
    async stopAll() {
      await Promise.all([...live.values()].map(({ wrapped }) => wrapped.stop()));
    },
    killAllNow() {
      for (const { child } of live.values()) {
        if (isRunning(child) && child.pid !== undefined) {
          try {
            process.kill(child.pid, "SIGKILL");
          } catch {
            // Already gone.
          }
        }
      }
    },
  };
}

/** The last lines of a child's log, for error messages. */
export function logTail(logFile: string, lines = 20): string {
  try {
    return readFileSync(logFile, "utf8").split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}
