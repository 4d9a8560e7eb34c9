import type { SessionResponse } from "@latchkey/protocol";
import type { ClientResult, SessionListener, SessionState, User } from "./types.js";
import type { AccountCalls } from "./account-calls.js";
import type { PasskeyCalls } from "./passkey-calls.js";
import type { MfaCalls } from "./mfa-calls.js";

/**
 * latchkey's browser client. Every call resolves to a {@link ClientResult} value; none
 * throws for an HTTP error or a network failure. Made by {@link createClient}.
 */
export interface LatchkeyClient extends AccountCalls, PasskeyCalls, MfaCalls {
  /** `"cookie"` or `"token"`, as configured. */
  readonly mode: "cookie" | "token";

  /**
   * `GET /csrf/`: makes sure the CSRF cookie is set and returns the current token (from the
   * `X-CSRFToken` response header, or the cookie). Rarely needed: the client fetches a token
   * by itself before the first unsafe request. Concurrent calls share one request.
   */
  csrf(): Promise<ClientResult<{ token: string | null }>>;

  /**
   * `GET /session/`: whether the browser has a valid session (sets the CSRF cookie too).
   * `isAuthenticated: false` moves the state to anonymous.
   */
  session(): Promise<ClientResult<SessionResponse>>;

  /**
   * Logs in. Cookie mode: `POST /login/` with the CSRF token; the server starts a new session
   * and rotates the CSRF token, which the client picks up from the answer. Token mode:
   * `POST /token/login/`; the bearer token is kept in memory (or `localStorage` if configured).
   * On success the state becomes authenticated and other tabs are told to refresh.
   * Failures: 400 `invalid_credentials` / `missing_credentials`, 403 `csrf_*`,
   * 429 `throttled` (see `retryAfterSeconds`), and 401 `mfa_required` for a user with a second
   * factor: `error.methods` lists the factors; ask for a code and call {@link authenticateMfa}.
   */
  login(username: string, password: string): Promise<ClientResult<{ user: User }>>;

  /**
   * `POST /mfa/authenticate/` with a TOTP or recovery code: finishes the login that answered
   * `mfa_required` (the pending login is the HttpOnly cookie, or in token mode the `mfaToken`
   * the client kept), with the same effect as a successful {@link login}. Failures: 400
   * `mfa_code_invalid`, 400 `mfa_login_invalid` (log in again), 429 `throttled`.
   */
  authenticateMfa(code: string): Promise<ClientResult<{ user: User }>>;

  /**
   * Finishes the login that answered `mfa_required` with `webauthn` in `methods` using one of
   * the user's passkeys: `POST /mfa/webauthn/authenticate/options/`, the browser's passkey
   * dialog (`navigator.credentials.get`, offering only this user's passkeys), then
   * `POST /mfa/authenticate/` with the answer, in cookie mode (the HttpOnly pending cookie)
   * and token mode (the kept `mfaToken`) alike, with the same effect as a successful
   * {@link login}. Failures: `passkey_cancelled` (dialog closed), `passkey_unsupported`,
   * 400 `passkey_invalid` / `webauthn_challenge_invalid` (try again), 400 `mfa_login_invalid`
   * (log in again), 400 `mfa_webauthn_unavailable`, 429 `throttled`.
   */
  authenticateMfaWithPasskey(): Promise<ClientResult<{ user: User }>>;

  /**
   * Logs out: `POST /logout/` (cookie mode) or `POST /token/logout/` (token mode). The state
   * becomes anonymous, and so does every other tab's, also when the server answers that there
   * was no session (`not_logged_in`, 401). Network and server failures leave the state as is.
   */
  logout(): Promise<ClientResult<{ detail: string }>>;

  /** `GET /whoami/`: the current user; updates the state (a 401 makes it anonymous). */
  whoami(): Promise<ClientResult<User>>;

  /**
   * `POST /password/change/`. The server ends every other session of the user and gives this
   * one a new token (a new cookie, or in token mode a new bearer token the client stores).
   * Failures: 400 `password_incorrect` / `password_invalid`, 401, 403 `csrf_*`, 429.
   */
  changePassword(oldPassword: string, newPassword: string): Promise<ClientResult<{ detail: string }>>;

  /**
   * `fetch` for the app's own API. Paths starting with `/` are relative to `baseUrl`.
   * Requests to the API's origin get the right `credentials`, the CSRF token on unsafe
   * methods (cookie mode) or `Authorization: Bearer` (token mode), and one retry with a fresh
   * CSRF token when the server refuses a stale one (if the body can be sent again: not a
   * stream). A 401 makes the state anonymous. Requests to other origins are sent untouched.
   * Returns the raw Response; rejects only where `fetch` rejects.
   */
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>;

  /** The session state; the same object until it changes (fit for `useSyncExternalStore`). */
  getState(): SessionState;

  /** Calls `listener` after every state change. Returns the function that unsubscribes. */
  subscribe(listener: SessionListener): () => void;

  /**
   * Asks the server who is logged in: `GET /session/`, then `GET /whoami/` if there is a
   * session (an anonymous visitor never causes a 401 in the console). Token mode without a
   * token answers anonymous without a request. Concurrent calls share one check.
   * Resolves to the new state.
   */
  refresh(): Promise<SessionState>;

  /** The bearer token in token mode, or null (always null in cookie mode). */
  getToken(): string | null;

  /** Leaves the cross-tab channel. The client still works, but no longer hears other tabs. */
  close(): void;
}
