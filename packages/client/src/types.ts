import type { DrfUserJson, ErrorCode, UserJson } from "@latchkey/protocol";

/**
 * The logged-in user, as the server renders it: camelCase by default (`userShape: "camel"`),
 * or Django REST Framework's snake_case shape (`userShape: "drf"`).
 */
export type User = UserJson | DrfUserJson;

/**
 * Codes the client itself produces, besides the server's catalogue:
 * - `network_error`: the request never got an HTTP answer (offline, DNS, CORS refusal, abort).
 * - `invalid_response`: an answer arrived but its body is not what the route promises.
 * - `http_error`: an HTTP error whose body carries no known latchkey code (a proxy's 502 page).
 * - `passkey_unsupported`: the browser has no WebAuthn, or the page is not a secure context.
 * - `passkey_cancelled`: the user closed the browser's passkey dialog (or it timed out).
 * - `passkey_failed`: the browser's passkey dialog failed otherwise (`detail` has its message).
 */
export type ClientOnlyErrorCode =
  | "network_error"
  | "invalid_response"
  | "http_error"
  | "passkey_unsupported"
  | "passkey_cancelled"
  | "passkey_failed";

/** Every code a {@link ClientError} can carry. */
export type ClientErrorCode = ErrorCode | ClientOnlyErrorCode;

/** A failed call, as a value. */
export interface ClientError {
  /** HTTP status, or 0 when no HTTP answer arrived (`network_error`). */
  readonly status: number;
  /** Stable machine code: the server's `code`, or one of {@link ClientOnlyErrorCode}. */
  readonly code: ClientErrorCode;
  /** Human-readable text: the server's `detail`, or the client's explanation. */
  readonly detail: string;
  /**
   * Seconds to wait before trying again, from the `Retry-After` header of a 429 or 503.
   * Absent when the header is missing or, cross-origin, not exposed by CORS.
   */
  readonly retryAfterSeconds?: number;
  /**
   * With `mfa_required` (a login of a user with a second factor): the factors that finish it; call
   * `authenticateMfa(code)`, or `authenticateMfaWithPasskey()` for `webauthn`.
   */
  readonly methods?: readonly MfaMethod[];
  /** With `mfa_required` in token mode: the pending login's token (the client keeps it for `authenticateMfa`). */
  readonly mfaToken?: string;
}

/** A second factor that finishes a login. */
export type MfaMethod = "totp" | "webauthn" | "recovery_code";

/** `GET /mfa/`: the caller's second factors. */
export interface MfaStatus {
  readonly totp: boolean;
  readonly recoveryCodes: { readonly remaining: number };
  readonly passkeys: readonly {
    readonly id: string;
    readonly name: string;
    readonly createdAt: string;
    readonly lastUsedAt: string | null;
  }[];
}

/** What every SDK method resolves to: it never throws for HTTP errors or network failures. */
export type ClientResult<T> =
  | { readonly ok: true; readonly data: T }
  | { readonly ok: false; readonly error: ClientError };

/**
 * - `loading`: the first check ({@link LatchkeyClient.refresh}) has not answered yet.
 * - `authenticated`: a session (or bearer token) is known to be valid; `user` is set.
 * - `anonymous`: known not to be logged in.
 */
export type SessionStatus = "loading" | "authenticated" | "anonymous";

/**
 * The client's view of the session. The same object is returned until something changes,
 * so it can be handed to React's `useSyncExternalStore` as is.
 */
export interface SessionState {
  readonly status: SessionStatus;
  /** The user when `status` is `authenticated`, otherwise null. */
  readonly user: User | null;
  /**
   * Why the last check could not tell whether the session is valid (network down, store
   * unavailable), or null. The status is kept as it was in that case (a server outage never
   * logs anyone out on screen), except that a failed *first* check ends `loading` as
   * `anonymous`, so no screen waits forever.
   */
  readonly error: ClientError | null;
}

/** Called after every change of {@link SessionState}. */
export type SessionListener = (state: SessionState) => void;

/** The part of the Web Storage API the client uses for a bearer token (`localStorage` fits). */
export interface TokenStorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** A `fetch` function: the browser's own, or any with the same contract. */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
