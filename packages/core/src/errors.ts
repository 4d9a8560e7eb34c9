import { ERRORS, type ErrorCode } from "@latchkey/protocol";

/** Fills `{name}` placeholders of a catalogue text. */
function fillDetail(template: string, params: Readonly<Record<string, string | number>>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    return value === undefined ? whole : String(value);
  });
}

/**
 * True when `Error.stackTraceLimit` may be set: not under frozen intrinsics
 * (`node --frozen-intrinsics`, a lockdown), where assigning it would throw.
 */
const stackLimitWritable = Object.getOwnPropertyDescriptor(Error, "stackTraceLimit")?.writable === true;

/**
 * An error that becomes an HTTP response: status and text from the {@link ERRORS}
 * catalogue. Thrown inside request handling; the error boundary renders it.
 *
 * It carries no stack trace: it is an answer (a 401, a CSRF 403, a throttle's 429), not a
 * fault, and the boundary never reads one. Capturing the stack cost about 67,000
 * instructions per refusal, more than the whole authenticated whoami (anonymous whoami:
 * 181,773 instructions a request with it, 114,376 without, `node bench/dist/instructions.js
 * ready-anonymous`), and refusals are what a flood of bad requests is made of. The limit is
 * set to 0 only around `super()` and put back at once.
 */
export class HttpError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly detail: string;
  /** Extra response headers (e.g. `Retry-After`, `Allow`). */
  readonly headers: Readonly<Record<string, string>>;
  /** Cookies the error response still sets (e.g. deleting a stale session cookie). */
  readonly cookies: readonly string[];
  /** Extra body fields beside `detail` and `code` (e.g. `methods` and `mfaToken` of `mfa_required`). */
  readonly fields: Readonly<Record<string, unknown>>;

  constructor(
    code: ErrorCode,
    params: Readonly<Record<string, string | number>> = {},
    extra: {
      headers?: Readonly<Record<string, string>>;
      cookies?: readonly string[];
      fields?: Readonly<Record<string, unknown>>;
    } = {},
  ) {
    const entry = ERRORS[code];
    const detail = fillDetail(entry.detail, params);
    if (stackLimitWritable) {
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = 0;
      super(detail);
      Error.stackTraceLimit = limit;
    } else super(detail);
    this.name = "HttpError";
    this.code = code;
    this.status = entry.status;
    this.detail = detail;
    this.headers = extra.headers ?? {};
    this.cookies = extra.cookies ?? [];
    this.fields = extra.fields ?? {};
  }
}

/** Which store failed, for the 503 text and the log line. */
export type StoreName = "session" | "user" | "throttle" | "account" | "passkey" | "mfa";

/**
 * A store could not be reached or failed to answer. Requests that need the store get a 503;
 * nobody is logged out because of it and no cookie is cleared.
 */
export class StoreUnavailableError extends Error {
  readonly store: StoreName;

  constructor(store: StoreName, cause: unknown) {
    super(`The ${store} store is unavailable: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = "StoreUnavailableError";
    this.store = store;
  }
}

/** {@link UserStore.createUser} was given a username whose key is taken. */
export class UsernameTakenError extends Error {
  constructor(username: string) {
    super(`A user with the username "${username}" already exists.`);
    this.name = "UsernameTakenError";
  }
}

/** The configuration is invalid. `problems` lists every problem found, not just the first. */
export class ConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Invalid latchkey configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}
