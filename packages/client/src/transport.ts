import type { RouteName } from "@latchkey/protocol";
import type { ClientConfig } from "./options.js";
import type { CsrfTokens } from "./csrf-tokens.js";
import { RETRYABLE_CSRF_CODES } from "./csrf-tokens.js";
import { peekErrorCode } from "./parse.js";
import type { BearerTokenStore } from "./token-store.js";

/** Methods that change nothing, so need no CSRF token (RFC 9110 §9.2.1; Django's list). */
const SAFE_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS", "TRACE"]);

/** Sends requests: API requests get credentials, the bearer token or CSRF token, and one CSRF retry. */
export interface Transport {
  /** Absolute (or, for same origin, root-relative) URL of a latchkey route. */
  routeUrl(name: RouteName): string;
  /**
   * `fetch` with the client's credentials handling. Rejects only where `fetch` rejects
   * (no HTTP answer). Requests to other origins than the API's pass through untouched.
   */
  send(input: string | URL | Request, init?: RequestInit): Promise<Response>;
}

/** What the transport reports back to the client. */
export interface TransportHooks {
  /** Current value of the session store's epoch, taken when a request starts. */
  epoch(): number;
  /** An API answered 401: the request started at `startedAt`, sent with `bearer` (or null). */
  unauthorized(startedAt: number, bearer: string | null): void;
}

function isRequest(input: unknown): input is Request {
  return typeof Request !== "undefined" && input instanceof Request;
}

/** A body `fetch` can send twice: anything but a stream. */
function isReplayableBody(body: unknown): boolean {
  return (
    body === undefined ||
    body === null ||
    typeof body === "string" ||
    (typeof URLSearchParams !== "undefined" && body instanceof URLSearchParams) ||
    (typeof FormData !== "undefined" && body instanceof FormData) ||
    (typeof Blob !== "undefined" && body instanceof Blob) ||
    body instanceof ArrayBuffer ||
    ArrayBuffer.isView(body)
  );
}

/** The transport of one client; `hooks` report 401s back to its session state. */
export function createTransport(
  config: ClientConfig,
  csrf: CsrfTokens,
  bearerTokens: BearerTokenStore,
  hooks: TransportHooks,
): Transport {
  const sameOrigin = config.baseUrl === "" || (config.pageOrigin !== null && config.pageOrigin === config.apiOrigin);
  // Cookies go to another origin only when asked for ("include"); the CORS policy of the API
  // must then allow this page's origin with credentials (deployment mode C).
  const credentials: RequestCredentials = config.mode === "token" ? "omit" : sameOrigin ? "same-origin" : "include";

  /** Root-relative paths name the API (prefixed with baseUrl); says whether it is an API request. */
  function resolve(input: string | URL | Request): { input: string | URL | Request; api: boolean } {
    if (isRequest(input)) return { input, api: originOf(input.url) === config.apiOrigin };
    if (typeof input === "string") {
      const resolved = input.startsWith("/") && !input.startsWith("//") ? config.baseUrl + input : input;
      const origin = originOf(resolved);
      // Without a page (tests, server rendering) a relative URL can only mean the same-origin API.
      return { input: resolved, api: origin === null ? config.apiOrigin === null : origin === config.apiOrigin };
    }
    return { input, api: input.origin === config.apiOrigin };
  }

  function originOf(url: string): string | null {
    try {
      return new URL(url, config.pageOrigin ?? undefined).origin;
    } catch {
      return null;
    }
  }

  async function send(rawInput: string | URL | Request, init: RequestInit = {}): Promise<Response> {
    const target = resolve(rawInput);
    // Security: cookies, the CSRF token and the bearer token go to the API only, never to a
    // third-party URL the app happens to fetch through the client (token exfiltration).
    if (!target.api) return config.fetch(target.input, init);

    const input = target.input;
    const method = (init.method ?? (isRequest(input) ? input.method : "GET")).toUpperCase();
    const headers = new Headers(isRequest(input) ? input.headers : undefined);
    new Headers(init.headers).forEach((value, name) => headers.set(name, value));
    const startedAt = hooks.epoch();
    let bearer: string | null = null;
    const needsCsrf = config.mode === "cookie" && !SAFE_METHODS.has(method);

    if (config.mode === "token") {
      bearer = bearerTokens.get();
      if (bearer !== null && !headers.has("authorization")) headers.set("Authorization", `Bearer ${bearer}`);
    } else if (needsCsrf && !headers.has(config.csrfHeaderName)) {
      let token = csrf.current();
      if (token === null) {
        const fresh = await csrf.refresh();
        token = fresh.ok ? fresh.data.token : null;
      }
      if (token !== null) headers.set(config.csrfHeaderName, token);
    }

    // A Request's body is a stream: keep a copy so the one retry can resend it.
    const bodyInInit = init.body !== undefined;
    const replayable = bodyInInit ? isReplayableBody(init.body) : true;
    const spare = needsCsrf && !bodyInInit && isRequest(input) && input.body !== null ? input.clone() : null;

    const attempt = (what: string | URL | Request): Promise<Response> =>
      config.fetch(what, { ...init, method, headers, credentials });
    let response = await attempt(input);
    observe(response, startedAt, bearer);

    if (needsCsrf && replayable && response.status === 403) {
      const code = await peekErrorCode(response);
      if (code !== null && RETRYABLE_CSRF_CODES.has(code)) {
        // The token went stale (another tab logged in and the secret rotated, the cookie
        // expired or was cleared): fetch a fresh one and resend once. Only once, so a server
        // that keeps refusing cannot put the client in a loop.
        csrf.rejected(headers.get(config.csrfHeaderName));
        const fresh = await csrf.refresh();
        const token = fresh.ok ? (fresh.data.token ?? csrf.current()) : null;
        if (token !== null) {
          await response.body?.cancel().catch(() => undefined);
          headers.set(config.csrfHeaderName, token);
          response = await attempt(spare ?? input);
          observe(response, startedAt, bearer);
        }
      }
    }
    return response;
  }

  function observe(response: Response, startedAt: number, bearer: string | null): void {
    csrf.observe(response);
    if (response.status === 401) hooks.unauthorized(startedAt, bearer);
  }

  return {
    routeUrl: (name) => config.baseUrl + config.basePath + config.routes[name],
    send,
  };
}
