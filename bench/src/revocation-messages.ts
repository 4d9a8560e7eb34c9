/**
 * What the revocation child is given (as its argument) and answers (over IPC), checked field
 * by field on arrival, never cast.
 */

/** The revocation load: servers, sessions and how hard to drive them. */
export interface RevocationSpec {
  /** `http://127.0.0.1:<port>` of every server process. */
  origins: string[];
  /** Session tokens (`<id>.<secret>`), each logged out once during the run. */
  tokens: string[];
  /** Keep-alive whoami clients per process, each one request at a time. */
  clientsPerProcess: number;
  /** Seconds. */
  durationSeconds: number;
}

/** The verdicts of a revocation run: which answers came before, during and after each logout. */
export interface RevocationVerdicts {
  /** whoami answered 200 although sent after its session's logout 200 had arrived: must be 0. */
  acceptedAfterLogout: number;
  /** Sessions with at least one such answer. */
  sessionsAcceptedAfterLogout: number;
  /** whoami sent after its session's logout 200 and refused, as they must be. */
  refusedAfterLogout: number;
  /** Sessions refused by every process at least once after their logout's 200. */
  sessionsRefusedEverywhere: number;
  /** whoami sent while its session's logout was in flight (either answer is right). */
  inFlightAccepted: number;
  inFlightRefused: number;
  /** Sessions answered 200 at least once before their logout was sent. */
  sessionsAcceptedBefore: number;
  /** whoami refused before its session's logout was sent (a broken set-up; should be 0). */
  refusedBeforeLogout: number;
  /** Logouts answered 200. */
  logouts: number;
  logoutStatuses: Record<string, number>;
}

/** What the revocation load counted. Times are milliseconds. */
export interface RevocationLoadResult extends RevocationVerdicts {
  seconds: number;
  processes: number;
  clientsPerProcess: number;
  sessions: number;
  whoami: {
    answered: number;
    /** 200 answers. */
    accepted: number;
    /** 401 and 403 answers. */
    refused: number;
    /** Connection errors and timeouts. */
    errors: number;
    otherStatuses: Record<string, number>;
  };
  /** Logout latency, send to 200; null without a successful logout. */
  logoutMs: { p50: number | null; p99: number | null; max: number | null };
  /** CPU the load child used per second of wall time (1 = a full core). */
  cpuShare: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

function isCounts(value: unknown): value is Record<string, number> {
  return isRecord(value) && Object.values(value).every(isNumber);
}

function isNumberOrNull(value: unknown): value is number | null {
  return value === null || isNumber(value);
}

/** The spec, if `text` is a valid one. */
export function parseRevocationSpec(text: string): RevocationSpec | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (
    isRecord(value) &&
    Array.isArray(value.origins) &&
    value.origins.every((o) => typeof o === "string") &&
    Array.isArray(value.tokens) &&
    value.tokens.length > 0 &&
    value.tokens.every((t) => typeof t === "string") &&
    isNumber(value.clientsPerProcess) &&
    isNumber(value.durationSeconds)
  ) {
    return {
      origins: value.origins.filter((o): o is string => typeof o === "string"),
      tokens: value.tokens.filter((t): t is string => typeof t === "string"),
      clientsPerProcess: value.clientsPerProcess,
      durationSeconds: value.durationSeconds,
    };
  }
  return null;
}

/** The result, if `value` is one. */
export function isRevocationLoadResult(value: unknown): value is RevocationLoadResult {
  if (!isRecord(value) || !isRecord(value.whoami) || !isRecord(value.logoutMs)) return false;
  const w = value.whoami;
  const l = value.logoutMs;
  return (
    [
      value.seconds,
      value.processes,
      value.clientsPerProcess,
      value.sessions,
      w.answered,
      w.accepted,
      w.refused,
      w.errors,
      value.acceptedAfterLogout,
      value.sessionsAcceptedAfterLogout,
      value.refusedAfterLogout,
      value.sessionsRefusedEverywhere,
      value.inFlightAccepted,
      value.inFlightRefused,
      value.sessionsAcceptedBefore,
      value.refusedBeforeLogout,
      value.logouts,
      value.cpuShare,
    ].every(isNumber) &&
    isCounts(w.otherStatuses) &&
    isCounts(value.logoutStatuses) &&
    isNumberOrNull(l.p50) &&
    isNumberOrNull(l.p99) &&
    isNumberOrNull(l.max)
  );
}
