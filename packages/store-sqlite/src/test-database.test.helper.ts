// A test helper (the ".test." in the name keeps it out of the published package).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type Database from "better-sqlite3";
import { openSqliteDatabase } from "./open-database.js";

/** A temporary directory holding a SQLite file, and every connection opened to it. */
export interface TestDatabaseFile {
  /** The file's path. */
  path: string;
  /** Opens another connection to the file (closed by `cleanup`). */
  open(): Database.Database;
  /** Closes every connection still open and deletes the directory. */
  cleanup(): void;
}

/** Creates a fresh directory under the OS temp dir for one test's SQLite file. */
export function testDatabaseFile(): TestDatabaseFile {
  const directory = mkdtempSync(join(tmpdir(), "latchkey-sqlite-"));
  const path = join(directory, "nested", "latchkey.sqlite3");
  const connections: Database.Database[] = [];
  return {
    path,
    open() {
      const database = openSqliteDatabase(path);
      connections.push(database);
      return database;
    },
    cleanup() {
      for (const database of connections) if (database.open) database.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
