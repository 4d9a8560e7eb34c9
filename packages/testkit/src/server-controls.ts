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
