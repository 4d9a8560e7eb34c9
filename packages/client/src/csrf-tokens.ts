import type { ClientConfig } from "./options.js";
import { readCookieValue } from "./cookie-string.js";
import { httpError, networkError } from "./parse.js";
import type { ClientResult } from "./types.js";

/** Error codes of a CSRF token problem that a fresh token can cure (unlike an untrusted Origin). */
export const RETRYABLE_CSRF_CODES: ReadonlySet<string> = new Set([
  "csrf_token_missing",
  "csrf_token_incorrect",
  "csrf_cookie_missing",
  "csrf_token_malformed",
]);

/** Where the CSRF token comes from, and how a fresh one is fetched. */
export interface CsrfTokens {
  /**
   * The token to send now: the CSRF cookie when script can read it (same origin or same
   * site, and it tracks rotations done by other tabs), otherwise the last `X-CSRFToken`
   * response header (an API on another site, whose cookie `document.cookie` never shows).
   */
  current(): string | null;
  /** Remembers the token header of a response from the API. */
  observe(response: Response): void;
  /**
   * The server refused `token`. If it was the readable cookie, that cookie is not the one
   * the API receives (a same-named cookie of the page's own host), so that value is passed
   * over from now on and the header token is used instead.
   */
  rejected(token: string | null): void;
  /** `GET` the CSRF route (one request at a time however many callers ask) for a fresh token. */
  refresh(): Promise<ClientResult<{ token: string | null }>>;
}

/** `getCsrfRoute` performs the raw GET of the CSRF route with the client's credentials. */
export function createCsrfTokens(config: ClientConfig, getCsrfRoute: () => Promise<Response>): CsrfTokens {
  let fromHeader: string | null = null;
  let ignoredCookie: string | null = null;
  let inFlight: Promise<ClientResult<{ token: string | null }>> | null = null;

  function readableCookie(): string | null {
    let cookies: string;
    try {
      cookies = config.cookies();
    } catch {
      // `document.cookie` throws in sandboxed iframes and on opaque origins.
      return null;
    }
    const value = readCookieValue(cookies, config.csrfCookieName);
    return value === "" || value === ignoredCookie ? null : value;
  }

  function observe(response: Response): void {
    const token = response.headers.get(config.csrfHeaderName);
    if (token !== null && token !== "") fromHeader = token;
  }

  async function fetchFresh(): Promise<ClientResult<{ token: string | null }>> {
    let response: Response;
    try {
      response = await getCsrfRoute();
    } catch (cause) {
      return { ok: false, error: networkError(cause) };
    }
    if (!response.ok) {
      const body: unknown = await response.json().catch(() => undefined);
      return { ok: false, error: httpError(response, body) };
    }
    // The body is only `{"detail":"CSRF cookie set"}`; drain it so the connection is reused.
    await response.arrayBuffer().catch(() => undefined);
    const header = response.headers.get(config.csrfHeaderName);
    return { ok: true, data: { token: header !== null && header !== "" ? header : readableCookie() } };
  }

  return {
    current: () => readableCookie() ?? fromHeader,
    observe,
    rejected(token) {
      if (token !== null && token === readableCookie()) ignoredCookie = token;
    },
    refresh() {
      inFlight ??= fetchFresh().finally(() => {
        inFlight = null;
      });
      return inFlight;
    },
  };
}
