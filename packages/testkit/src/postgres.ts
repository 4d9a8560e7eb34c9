import { execFile } from "node:child_process";
import { chownSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "./free-port.js";
import {
  logTail,
  removeTempDirectory,
  runToCompletion,
  spawnManaged,
  trackTempDirectory,
  type ManagedProcess,
  type RunAs,
} from "./managed-process.js";
import { programPath } from "./programs.js";
import { serverControls, type ServerControls } from "./server-controls.js";
import { waitUntil } from "./wait-until.js";

const run = promisify(execFile);

/** Start-up (including crash recovery after a kill) must finish within this. Milliseconds. */
const START_TIMEOUT_MS = 30_000;
/** How long a fast shutdown may take before SIGKILL. Milliseconds. */
const STOP_GRACE_MS = 15_000;
/** The superuser initdb creates; trust authentication, so no password. */
const SUPERUSER = "postgres";

/**
 * A PostgreSQL server started by {@link startPostgres}. Its controls act on the postmaster:
 * `stop()` is a fast shutdown (SIGINT); `restart()` keeps the data, recovers after `kill()`,
 * and resolves once the server accepts connections.
 */
export interface PostgresServer extends ServerControls {
  /** Always `127.0.0.1`. */
  readonly host: string;
  readonly port: number;
  /** The database created for the caller. */
  readonly database: string;
  /** The superuser to connect as (no password: trust authentication). */
  readonly user: string;
  /** `postgres://postgres@127.0.0.1:<port>/<database>`. */
  readonly url: string;
}

/** Options of {@link startPostgres}. */
export interface StartPostgresOptions {
  /**
   * Name of the database to create.
   * @default "latchkey"
   */
  database?: string;
  /**
   * Extra server settings, each passed as `-c name=value` (say `shared_preload_libraries`).
   * @default none
   */
  settings?: Readonly<Record<string, string>>;
}

/** The uid and gid of a system user, read from /etc/passwd, or null if there is none. */
function lookUpUser(name: string): RunAs | null {
  let passwd: string;
  try {
    passwd = readFileSync("/etc/passwd", "utf8");
  } catch {
    return null;
  }
  for (const line of passwd.split("\n")) {
    const [user, , uid, gid] = line.split(":");
    if (user === name && uid !== undefined && gid !== undefined) return { name, uid: Number(uid), gid: Number(gid) };
  }
  return null;
}

/**
 * initdb and postgres refuse to run as root (a server exploit must not own the machine).
 * Under root (this machine and CI), run them as the `postgres` system user, or `nobody`.
 */
function unprivilegedUser(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const user = lookUpUser("postgres") ?? lookUpUser("nobody");
  if (user === null) throw new Error("Running as root, but there is no postgres or nobody user to run PostgreSQL as.");
  return user;
}

async function acceptsConnections(isReady: string, port: number): Promise<boolean> {
  try {
    await run(isReady, ["-h", "127.0.0.1", "-p", String(port), "-U", SUPERUSER, "-d", "postgres", "-t", "1"]);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts a throwaway PostgreSQL server: `initdb` into a temp directory (trust auth, UTF8,
 * C locale), then `postgres` listening on 127.0.0.1:<free port> only, with its unix socket in
 * the temp directory and `fsync` and `full_page_writes` off: test data need not survive an
 * OS crash. (`synchronous_commit` stays on: a commit must survive `kill()`, a process crash,
 * which would otherwise lose the last commits still in shared memory.) Uses the newest
 * /usr/lib/postgresql/<version>/bin, or PATH. As root, both
 * run as the `postgres` user, which then owns the directory. Resolves once `pg_isready` says
 * it accepts connections and the database exists.
 */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresServer> {
  const database = options.database ?? "latchkey";
  const initdb = programPath("initdb");
  const postgres = programPath("postgres");
  const isReady = programPath("pg_isready");
  const createdb = programPath("createdb");
  const runAs = unprivilegedUser();

  const directory = mkdtempSync(join(tmpdir(), "latchkey-postgres-"));
  trackTempDirectory(directory);
  if (runAs !== undefined) chownSync(directory, runAs.uid, runAs.gid);
  const dataDirectory = join(directory, "data");
  const logFile = join(directory, "postgres.log");
  const withUser = runAs === undefined ? {} : { runAs };

  let child: ManagedProcess | null = null;
  let port = 0;

  /**
   * One start attempt; false when the postmaster exited early (say, a killed one's backends still hold shared memory).
   */
  const attempt = async (): Promise<boolean> => {
    const started = spawnManaged({
      command: postgres,
      args: [
        "-D",
        dataDirectory,
        "-k",
        directory,
        "-c",
        "listen_addresses=127.0.0.1",
        "-c",
        `port=${port}`,
        "-c",
        "fsync=off",
        "-c",
        "full_page_writes=off",
        "-c",
        "max_connections=100",
        ...Object.entries(options.settings ?? {}).flatMap(([name, value]) => ["-c", `${name}=${value}`]),
      ],
      logFile,
      ...withUser,
    });
    child = started;
    let exitedEarly = false;
    await waitUntil(
      `PostgreSQL on 127.0.0.1:${port} to accept connections`,
      async () => {
        if (!started.isRunning()) {
          exitedEarly = true;
          return true;
        }
        return acceptsConnections(isReady, port);
      },
      { timeoutMs: START_TIMEOUT_MS, intervalMs: 50 },
    );
    return !exitedEarly;
  };

  const launch = async (): Promise<void> => {
    // After a kill the old backends notice their postmaster died and exit on their own; until
    // then a new postmaster refuses the data directory. Retry, bounded.
    await waitUntil(`PostgreSQL to start from ${dataDirectory}`, attempt, {
      timeoutMs: START_TIMEOUT_MS,
      intervalMs: 100,
      failFast: () => null,
    }).catch((error: unknown) => {
      throw new Error(`${error instanceof Error ? error.message : String(error)}\n${logTail(logFile)}`);
    });
  };
  const controls = serverControls({
    current: () => child,
    launch,
    stopSignal: "SIGINT",
    graceMs: STOP_GRACE_MS,
    directory,
  });

  try {
    await runToCompletion(
      {
        command: initdb,
        args: ["-D", dataDirectory, "-U", SUPERUSER, "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"],
        logFile: join(directory, "initdb.log"),
        ...withUser,
      },
      "initdb",
    );
    port = await freePort();
    await launch();
    await run(createdb, ["-h", "127.0.0.1", "-p", String(port), "-U", SUPERUSER, database]);
  } catch (error) {
    await controls.kill();
    removeTempDirectory(directory);
    throw error;
  }

  return {
    host: "127.0.0.1",
    port,
    database,
    user: SUPERUSER,
    url: `postgres://${SUPERUSER}@127.0.0.1:${port}/${database}`,
    ...controls,
  };
}
