import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, unlinkSync } from "node:fs";
import { createConnection, createServer, type Server } from "node:net";
import { join } from "node:path";

/**
 * How processes sharing one SQLite file tell each other about writes, so a server's read
 * cache can trust itself between writes (see `signalled-change-watch.ts`).
 *
 * Each listening server owns a Unix socket in `<database>.signals/`. A writer (a `latchkey`
 * command) connects to every socket there after its writes and sends `c` ("changed"); a
 * server that starts sends `h` ("hello") to the ones already there. The listener handles the
 * message synchronously, then answers `k`, and the writer waits for every answer: once
 * {@link announceSqliteChange} resolves, every live server has dropped what it had cached.
 * A socket nobody listens on any more (a server that crashed) is removed.
 */

/** The one-byte messages. */
const CHANGED = "c";
const HELLO = "h";
const ACK = "k";

/** How long an announcement waits for each server's answer. Milliseconds. */
export const DEFAULT_ANNOUNCE_TIMEOUT_MS = 5_000;

/** The folder of the listeners of the database at `databasePath`. */
export function signalsDirectory(databasePath: string): string {
  return `${databasePath}.signals`;
}

/** A server's listener; `close()` removes its socket. */
export interface SqliteChangeListener {
  /** How many other servers answered this listener's hello at start-up. */
  readonly peersAtStart: number;
  close(): Promise<void>;
}

/** What a listener does on each message; both run before the answer is sent. */
export interface SqliteChangeHandlers {
  /** Another process committed to the database. */
  changed(): void;
  /** Another server opened the database. */
  peer(): void;
}

/** Raised when some server did not answer an announcement in time. */
export class SqliteChangeNotAcknowledgedError extends Error {
  constructor(
    readonly sockets: readonly string[],
    timeoutMs: number,
  ) {
    super(
      `The change is saved, but ${sockets.length} server process(es) on this database did not confirm within ${timeoutMs} ms ` +
        `that they dropped their cache (${sockets.join(", ")}); until they do, they may still accept what the change revoked. ` +
        "Restart those servers if they are stuck.",
    );
    this.name = "SqliteChangeNotAcknowledgedError";
  }
}

type Outcome = "acknowledged" | "stale" | "timeout";

/** Sends `message` to one socket and waits for its answer. */
function send(path: string, message: string, timeoutMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = createConnection(path);
    let answered = false;
    const finish = (outcome: Outcome) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => finish("timeout"), timeoutMs);
    socket.once("connect", () => socket.write(message));
    socket.on("data", (chunk: Buffer) => {
      if (chunk.toString("latin1").includes(ACK)) {
        answered = true;
        finish("acknowledged");
      }
    });
    socket.once("error", (error: NodeJS.ErrnoException) => {
      finish(error.code === "ECONNREFUSED" || error.code === "ENOENT" ? "stale" : "timeout");
    });
    socket.once("close", () => {
      if (!answered) finish("stale");
    });
  });
}

/** Sends `message` to every listener of the database but `own`; resolves to the sockets that did not answer. */
async function broadcast(
  databasePath: string,
  message: string,
  own: string | null,
  timeoutMs: number,
): Promise<{ acknowledged: number; silent: string[] }> {
  const directory = signalsDirectory(databasePath);
  let names: string[];
  try {
    names = readdirSync(directory).filter((name) => name.endsWith(".sock"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { acknowledged: 0, silent: [] };
    throw error;
  }
  const paths = names.map((name) => join(directory, name)).filter((path) => path !== own);
  const outcomes = await Promise.all(paths.map((path) => send(path, message, timeoutMs)));
  const silent: string[] = [];
  let acknowledged = 0;
  outcomes.forEach((outcome, i) => {
    const path = paths[i] ?? "";
    if (outcome === "acknowledged") acknowledged += 1;
    else if (outcome === "timeout") silent.push(path);
    else {
      try {
        unlinkSync(path); // A crashed server's socket: nobody listens there any more.
      } catch {
        // Already gone.
      }
    }
  });
  return { acknowledged, silent };
}

/**
 * Tells every server listening on the database at `databasePath` that it changed, and
 * resolves once each has dropped its cache.
 * @throws {SqliteChangeNotAcknowledgedError} when a server did not answer within `timeoutMs`
 */
export async function announceSqliteChange(
  databasePath: string,
  timeoutMs = DEFAULT_ANNOUNCE_TIMEOUT_MS,
): Promise<void> {
  const { silent } = await broadcast(databasePath, CHANGED, null, timeoutMs);
  if (silent.length > 0) throw new SqliteChangeNotAcknowledgedError(silent, timeoutMs);
}

/**
 * Starts listening for announcements about the database at `databasePath`, then greets the
 * servers already listening (each calls its `peer()`). Rejects when the socket cannot be
 * created (for instance a path longer than the ~107 bytes a Unix socket allows): the caller
 * then keeps probing on every lookup.
 */
export async function listenForSqliteChanges(
  databasePath: string,
  handlers: SqliteChangeHandlers,
  timeoutMs = DEFAULT_ANNOUNCE_TIMEOUT_MS,
): Promise<SqliteChangeListener> {
  const directory = signalsDirectory(databasePath);
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  const path = join(directory, `${process.pid}-${randomBytes(4).toString("hex")}.sock`);
  const server: Server = createServer((socket) => {
    socket.on("error", () => {});
    socket.on("data", (chunk: Buffer) => {
      const text = chunk.toString("latin1");
      if (text.includes(HELLO)) handlers.peer();
      if (text.includes(CHANGED)) handlers.changed();
      socket.end(ACK);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(path, () => {
      server.off("error", reject);
      resolve();
    });
  });
  // The listener must not keep a process alive that is otherwise done.
  server.unref();
  const { acknowledged } = await broadcast(databasePath, HELLO, path, timeoutMs);
  return {
    peersAtStart: acknowledged,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        try {
          unlinkSync(path);
        } catch {
          // Already gone (Node removes it on close).
        }
      }),
  };
}
