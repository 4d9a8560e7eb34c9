import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";

/**
 * Opens (creating if needed) the SQLite file at `path`, creating its parent directories,
 * and sets the pragmas latchkey expects:
 * - `journal_mode = WAL`: readers (every authenticated request) never wait for a writer;
 * - `busy_timeout = 5000` (ms): a write waits up to 5 s for another process's lock before
 *   failing with SQLITE_BUSY (which the stores report as unavailable);
 * - `foreign_keys = ON`: group memberships cannot point at missing users or groups;
 * - `synchronous = NORMAL`: safe with WAL (a power cut may lose the last commits, never
 *   corrupt the file) and far fewer fsyncs than FULL.
 *
 * The caller owns the returned connection and closes it. `":memory:"` opens a private
 * in-memory database.
 */
export function openSqliteDatabase(path: string): Database.Database {
  if (path !== ":memory:" && path !== "") mkdirSync(dirname(path), { recursive: true });
  const database = new Database(path);
  try {
    database.pragma("journal_mode = WAL");
    database.pragma("busy_timeout = 5000");
    database.pragma("foreign_keys = ON");
    database.pragma("synchronous = NORMAL");
  } catch (error) {
    database.close();
    throw error;
  }
  return database;
}
