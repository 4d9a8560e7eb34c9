import { resolve } from "node:path";
import type Database from "better-sqlite3";
import { listenForSqliteChanges } from "./change-signals.js";
import { createSignalledChangeWatch, type SignalledChangeWatch } from "./signalled-change-watch.js";

/** A {@link SignalledChangeWatch} fed by a listener on the database file, and how to stop listening. */
export interface ListeningChangeWatch {
  readonly watch: SignalledChangeWatch;
  /** Stops listening (removes this process's socket); the watch then probes on every lookup. */
  close(): Promise<void>;
}

/** Options of {@link createListeningChangeWatch}. */
export interface ListeningChangeWatchOptions {
  /**
   * Called when the listener cannot start (say, a socket path over the ~107 bytes Unix
   * allows): the watch then probes `data_version` on every lookup, exact either way.
   * @default nothing is reported
   */
  onUnavailable?(error: Error): void;
}

/** A file database (not `:memory:` or a temporary one), whose path other processes can share. */
function isFile(path: string): boolean {
  return path !== "" && path !== ":memory:" && !path.startsWith("file::memory:");
}

/**
 * The exact single-process path for a server on SQLite, ready server or an application's own
 * (pass `watch` to `sqliteStores`): the read caches skip the per-lookup `PRAGMA data_version`
 * probe while this process is the only server on the file, a `latchkey` command's writes are
 * announced to it and applied before the command returns, and as soon as another server opens
 * the file every lookup probes again (see {@link SignalledChangeWatch}).
 *
 * @example
 * const database = openSqliteDatabase("latchkey.sqlite3");
 * const listening = await createListeningChangeWatch(database, "latchkey.sqlite3");
 * const stores = sqliteStores({ database, watch: listening.watch });
 */
export async function createListeningChangeWatch(
  database: Database.Database,
  path: string,
  options: ListeningChangeWatchOptions = {},
): Promise<ListeningChangeWatch> {
  const watch = createSignalledChangeWatch(database);
  if (!isFile(path)) {
    watch.probeEveryLookup();
    return { watch, close: async () => {} };
  }
  try {
    const listener = await listenForSqliteChanges(resolve(path), {
      changed: () => watch.changed(),
      peer: () => watch.probeEveryLookup(),
    });
    if (listener.peersAtStart > 0) watch.probeEveryLookup();
    return {
      watch,
      close: async () => {
        watch.probeEveryLookup();
        await listener.close();
      },
    };
  } catch (error) {
    watch.probeEveryLookup();
    options.onUnavailable?.(error instanceof Error ? error : new Error(String(error)));
    return { watch, close: async () => {} };
  }
}
