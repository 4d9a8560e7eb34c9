import { readdirSync, readFileSync } from "node:fs";
import { removeTempDirectory, type ManagedProcess } from "./managed-process.js";

/**
 * What a test can do to a server this kit started (redis-server, PostgreSQL): the same
 * stop, crash, hang and restart for every kind, so fault tests read alike for each store.
 */
export interface ServerControls {
  /**
   * Shuts the server down with its own clean-shutdown signal (redis-server: SIGTERM;
   * PostgreSQL: SIGINT, a fast shutdown that disconnects clients) and waits for the exit.
   * `restart()` brings it back.
   */
  stop(): Promise<void>;
  /** SIGKILLs the server, as a crash would, and waits for the exit. `restart()` recovers and brings it back. */
  kill(): Promise<void>;
  /** Freezes the server (SIGSTOP): connections stay open but nothing answers, as in a hang or an overload. */
  pause(): void;
  /** Unfreezes a paused server (SIGCONT). */
  resume(): void;
  /**
   * Freezes the server and every process it started (SIGSTOP to each; PostgreSQL's backends
   * too, where `pause()` stops only the postmaster and open connections still answer): the
   * whole store hangs, as in a stalled machine. `thaw()` undoes it.
   */
  freeze(): void;
  /** Unfreezes what `freeze()` stopped (SIGCONT to the server and every process it started). */
  thaw(): void;
  /** Stops the server if it runs, then starts it again on the same port (and data); resolves once it answers. */
  restart(): Promise<void>;
  /** Stops the server for good and deletes its temp directory. */
  dispose(): Promise<void>;
}

/** A server process as {@link serverControls} drives it. */
export interface ControlledServer {
  /** The process running now (or last), or null before the first launch. */
  current(): ManagedProcess | null;
  /** Starts the server (again) and resolves once it answers. */
  launch(): Promise<void>;
  /** The server's clean-shutdown signal. */
  stopSignal: NodeJS.Signals;
  /** How long a shutdown may take before SIGKILL. Milliseconds. */
  graceMs: number;
  /** The temp directory `dispose()` deletes. */
  directory: string;
}

/** The pids of every live descendant of `root` (Linux: from /proc), parents before children. */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, "utf8");
    } catch {
      continue; // Exited meanwhile.
    }
    // "pid (comm) state ppid …": comm may hold spaces and parentheses, so split after the last ")".
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
  }
  const found: number[] = [];
  const queue = [...(children.get(root) ?? [])];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    found.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return found;
}

/** Sends `signal` to a pid that may have exited meanwhile. */
function signalIfAlive(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Gone already.
  }
}

/** Builds the {@link ServerControls} of one server process. */
export function serverControls(server: ControlledServer): ServerControls {
  const halt = async (signal: NodeJS.Signals): Promise<void> => {
    await server.current()?.stop(signal, server.graceMs);
  };
  return {
    stop: () => halt(server.stopSignal),
    kill: () => halt("SIGKILL"),
    pause: () => server.current()?.signal("SIGSTOP"),
    resume: () => server.current()?.signal("SIGCONT"),
    freeze() {
      const root = server.current();
      if (root === null || !root.isRunning()) return;
      // The parent first, so it starts no new process while its children are being stopped.
      root.signal("SIGSTOP");
      for (const pid of descendants(root.pid)) signalIfAlive(pid, "SIGSTOP");
    },
    thaw() {
      const root = server.current();
      if (root === null || !root.isRunning()) return;
      for (const pid of descendants(root.pid)) signalIfAlive(pid, "SIGCONT");
      root.signal("SIGCONT");
    },
    async restart() {
      await halt(server.stopSignal);
      await server.launch();
    },
    async dispose() {
      await halt(server.stopSignal);
      removeTempDirectory(server.directory);
    },
  };
}
