import { resolve } from "node:path";
import type { AccountStore, Logger, SessionStore } from "@latchkey/core";
import {
  announceSqliteChange,
  createListeningChangeWatch,
  sqliteAccountStore,
  sqliteSessionStore,
  sqliteUserStore,
  type SignalledChangeWatch,
  type SqliteUserStore,
} from "@latchkey/store-sqlite";
import type Database from "better-sqlite3";

/**
 * What a process does about writes to its SQLite file by other processes (see
 * `signalled-change-watch.ts` in @latchkey/store-sqlite):
 * - `"listen"`: a server. Its read caches skip the per-lookup `data_version` probe while it
 *   is the only server on the file, and drop their entries when a `latchkey` command
 *   announces a write;
 * - `"announce"`: a `latchkey` command. After its writes it tells every listening server
 *   and waits for each to confirm before it returns;
 * - `"probe"`: neither; caches probe `data_version` on every lookup.
 */
export type SqliteChangeRole = "listen" | "announce" | "probe";

/** The SQLite stores of a listening server, sharing one signalled watch, and how to stop listening. */
export interface ListeningSqliteStores {
  readonly sessions: SessionStore;
  readonly users: SqliteUserStore;
  readonly accounts: AccountStore;
  readonly watch: SignalledChangeWatch;
  close(): Promise<void>;
}

/** A file database (not `:memory:` or a temporary one), whose path other processes can share. */
function isFile(path: string): boolean {
  return path !== "" && path !== ":memory:" && !path.startsWith("file::memory:");
}

/**
 * The stores of a server on `database` (opened from `path`) that listens for other
 * processes' writes. When another server already listens on the file, or the listener cannot
 * start, the caches probe on every lookup instead (logged), exact either way.
 */
export async function listeningSqliteStores(
  database: Database.Database,
  path: string,
  logger: Logger,
): Promise<ListeningSqliteStores> {
  const { watch, close } = await createListeningChangeWatch(database, path, {
    onUnavailable: (error) =>
      logger.warn(
        { event: "sqlite_signals_unavailable", cause: error.message },
        "cannot listen for other processes' writes to the SQLite file: the read caches check the file on every lookup instead",
      ),
  });
  return {
    sessions: sqliteSessionStore(database, { watch }),
    users: sqliteUserStore(database, { watch }),
    accounts: sqliteAccountStore(database, watch),
    watch,
    close,
  };
}

/**
 * After a command's writes to `database` (opened from `path`): tells every listening server
 * and resolves once each has dropped its cache. Does nothing when this connection changed no row.
 * @throws {SqliteChangeNotAcknowledgedError} when a server did not answer in time
 */
export async function announceSqliteWrites(database: Database.Database, path: string): Promise<void> {
  if (!isFile(path) || !database.open) return;
  const changes = database.prepare<[], unknown>("SELECT total_changes()").pluck().get();
  if (changes === 0) return;
  await announceSqliteChange(resolve(path));
}
