import { StoreUnavailableError, type StoreName } from "@latchkey/core";

/**
 * Result codes (and their extended forms, e.g. `SQLITE_IOERR_WRITE`) meaning the database
 * cannot serve requests right now: locked past the busy timeout, unreadable, read-only,
 * damaged or out of space. They are conditions an operator fixes, not bugs in a query.
 */
const UNAVAILABLE_CODES = [
  "SQLITE_BUSY",
  "SQLITE_LOCKED",
  "SQLITE_CANTOPEN",
  "SQLITE_IOERR",
  "SQLITE_READONLY",
  "SQLITE_CORRUPT",
  "SQLITE_NOTADB",
  "SQLITE_FULL",
];

/** What better-sqlite3 throws (a `TypeError`, no code) when used after `close()`. */
const CLOSED_MESSAGE = "database connection is not open";

/** True when `error` says the database is unusable rather than that a statement is wrong. */
export function isUnavailableError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.message.includes(CLOSED_MESSAGE)) return true;
  if (!("code" in error) || typeof error.code !== "string") return false;
  const code = error.code;
  return UNAVAILABLE_CODES.some((prefix) => code === prefix || code.startsWith(`${prefix}_`));
}

/**
 * Turns an unusable database into {@link StoreUnavailableError} for `store`, so core answers
 * 503 instead of crashing or logging the user out; any other error (a bug) passes unchanged.
 */
export function toStoreError(store: StoreName, error: unknown): unknown {
  return isUnavailableError(error) ? new StoreUnavailableError(store, error) : error;
}
