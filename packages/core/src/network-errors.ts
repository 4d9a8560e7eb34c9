/** Socket-level failure codes: the server is down, unreachable or cut off. */
const NETWORK_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
]);

/** The `code` of a Node error, or null. */
export function errorCode(error: unknown): string | null {
  return error instanceof Error && "code" in error && typeof error.code === "string" ? error.code : null;
}

/**
 * True when `error` is a socket-level failure (the server is down, unreachable or cut off),
 * for stores over the network to tell an outage (a 503) from a bug.
 */
export function isNetworkError(error: unknown): boolean {
  const code = errorCode(error);
  return code !== null && NETWORK_CODES.has(code);
}
