import { errorCode, isNetworkError, StoreUnavailableError, type StoreName } from "@latchkey/core";

/**
 * SQLSTATEs meaning "cannot serve now", not "this statement is wrong": class 08 (connection
 * exception), 53 (insufficient resources: too many connections, disk full, out of memory),
 * 58 (system error, I/O error), 57P01–57P05 (shut down, crashed, starting up, idle session
 * timeout), 57014 (cancelled by `statement_timeout`) and 25006 (a read-only standby after a
 * failover).
 */
function isUnavailableSqlState(code: string): boolean {
  return (
    code.startsWith("08") ||
    code.startsWith("53") ||
    code.startsWith("58") ||
    /^57P0[1-5]$/.test(code) ||
    code === "57014" ||
    code === "25006"
  );
}

/**
 * What node-postgres says (without a code) when there is no usable connection: closed by the
 * server or the network, no connection within `connectionTimeoutMillis`, no reply within
 * `query_timeout`, or a pool already ended.
 */
const UNAVAILABLE_MESSAGES = [
  "Connection terminated",
  "timeout exceeded when trying to connect",
  "Query read timeout",
  "is not queryable",
  "Cannot use a pool after calling end on the pool",
  "Client was closed and is not queryable",
];

/** True when `error` says PostgreSQL cannot be used right now, rather than that a statement is wrong. */
export function isUnavailableError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = errorCode(error);
  // ENOENT: a unix socket that is not there.
  if (isNetworkError(error) || code === "ENOENT" || (code !== null && isUnavailableSqlState(code))) return true;
  return UNAVAILABLE_MESSAGES.some((text) => error.message.includes(text));
}

/**
 * Turns "PostgreSQL cannot be used" into {@link StoreUnavailableError} for `store`, so core
 * answers 503 instead of crashing or logging the user out; any other error (a bug) passes unchanged.
 */
export function toStoreError(store: StoreName, error: unknown): unknown {
  return isUnavailableError(error) ? new StoreUnavailableError(store, error) : error;
}
