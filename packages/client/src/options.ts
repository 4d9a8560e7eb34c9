import {
  DEFAULT_BASE_PATH,
  DEFAULT_COOKIE_NAMES,
  DEFAULT_CSRF_HEADER,
  DEFAULT_ROUTE_PATHS,
  type RouteName,
} from "@latchkey/protocol";
import type { FetchLike, TokenStorageLike } from "./types.js";

/** Options of {@link createClient}. Every one is optional. */
export interface ClientOptions {
  /**
   * Origin of the latchkey API, e.g. `"https://api.example.com"`. Empty means the page's own
   * origin (served by latchkey, or behind one reverse proxy or the Vite dev proxy).
   * @default ""
   */
  baseUrl?: string;
  /** Path the latchkey routes are mounted under on the server. @default "/api" */
  basePath?: string;
  /**
   * `cookie`: the browser holds an HttpOnly session cookie, and the client sends the CSRF
   * token on unsafe requests. `token`: the client logs in through the token route and sends
   * `Authorization: Bearer`; no cookie is ever sent (for cross-site APIs without CHIPS).
   * @default "cookie"
   */
  mode?: "cookie" | "token";
  /**
   * Where token mode keeps the bearer token. `memory` forgets it on reload and is out of reach
   * of other tabs; `localStorage` survives reloads but is readable by any script on the page,
   * so an XSS bug can steal it. Nothing is written to storage unless this says `localStorage`.
   * @default "memory"
   */
  tokenStorage?: "memory" | "localStorage";
  /**
   * The storage used when `tokenStorage` is `localStorage`; where there is none (storage
   * disabled), the token stays in memory. @default globalThis.localStorage
   */
  storage?: TokenStorageLike;
  /** Key of the bearer token in `storage`. @default "latchkey.token" */
  tokenStorageKey?: string;
  /** The fetch function. @default globalThis.fetch */
  fetch?: FetchLike;
  /**
   * Reads the page's cookies, for the CSRF cookie. Return "" where the CSRF cookie cannot be
   * readable (the API on another site); the client then uses the `X-CSRFToken` response header.
   * @default () => document.cookie, or () => "" without a document
   */
  cookies?: () => string;
  /**
   * Paths of the routes, relative to `basePath`, for servers configured with other names
   * (e.g. `{ login: "/auth/login/", whoami: "/me/" }`).
   * @default the paths in @latchkey/protocol's DEFAULT_ROUTE_PATHS
   */
  routes?: Partial<Record<RouteName, string>>;
  /** Name of the CSRF request and response header. @default "X-CSRFToken" */
  csrfHeaderName?: string;
  /** Name of the CSRF cookie. @default "csrftoken" */
  csrfCookieName?: string;
  /**
   * Tell the page's other tabs about logins and logouts over `BroadcastChannel("latchkey")`,
   * and follow theirs: a logout elsewhere makes this tab anonymous, a login makes it refresh.
   * @default true where BroadcastChannel exists
   */
  broadcast?: boolean;
}

/** {@link ClientOptions} with every default applied, frozen. */
export interface ClientConfig {
  /** `baseUrl` without a trailing slash ("" for same origin). */
  readonly baseUrl: string;
  readonly basePath: string;
  readonly mode: "cookie" | "token";
  readonly tokenStorage: "memory" | "localStorage";
  readonly storage: TokenStorageLike | null;
  readonly tokenStorageKey: string;
  readonly fetch: FetchLike;
  readonly cookies: () => string;
  readonly routes: Readonly<Record<RouteName, string>>;
  readonly csrfHeaderName: string;
  readonly csrfCookieName: string;
  readonly broadcast: boolean;
  /** The page's origin, or null outside a browser. */
  readonly pageOrigin: string | null;
  /** Origin the API lives on, or null when same-origin and there is no page (tests, SSR). */
  readonly apiOrigin: string | null;
}

function trimTrailingSlash(value: string): string {
  return value.endsWith("/") ? value.slice(0, -1) : value;
}

function pageOrigin(): string | null {
  return typeof location === "undefined" || typeof location.origin !== "string" ? null : location.origin;
}

function defaultCookies(): () => string {
  if (typeof document === "undefined") return () => "";
  return () => document.cookie;
}

function defaultStorage(): TokenStorageLike | null {
  try {
    return typeof localStorage === "undefined" ? null : localStorage;
  } catch {
    // Reading `localStorage` throws where storage is disabled (some privacy modes, sandboxed iframes).
    return null;
  }
}

function defaultFetch(): FetchLike {
  if (typeof fetch !== "function") throw new TypeError("latchkey: no global fetch; pass `fetch` to createClient()");
  // Bound, because calling the browser's fetch with another `this` throws "Illegal invocation".
  return (input, init) => fetch(input, init);
}

/** Applies defaults once, so the rest of the client reads plain values. Throws on misuse. */
export function resolveClientConfig(options: ClientOptions): ClientConfig {
  const baseUrl = trimTrailingSlash(options.baseUrl ?? "");
  let apiOrigin: string | null = pageOrigin();
  if (baseUrl !== "") {
    try {
      apiOrigin = new URL(baseUrl).origin;
    } catch {
      throw new TypeError(
        `latchkey: baseUrl must be an absolute URL such as "https://api.example.com", got ${JSON.stringify(options.baseUrl)}`,
      );
    }
  }
  const tokenStorage = options.tokenStorage ?? "memory";
  const storage = tokenStorage === "localStorage" ? (options.storage ?? defaultStorage()) : null;
  return Object.freeze({
    baseUrl,
    basePath: trimTrailingSlash(options.basePath ?? DEFAULT_BASE_PATH),
    mode: options.mode ?? "cookie",
    tokenStorage,
    storage,
    tokenStorageKey: options.tokenStorageKey ?? "latchkey.token",
    fetch: options.fetch ?? defaultFetch(),
    cookies: options.cookies ?? defaultCookies(),
    routes: Object.freeze({ ...DEFAULT_ROUTE_PATHS, ...options.routes }),
    csrfHeaderName: options.csrfHeaderName ?? DEFAULT_CSRF_HEADER,
    csrfCookieName: options.csrfCookieName ?? DEFAULT_COOKIE_NAMES.csrf,
    broadcast: options.broadcast ?? typeof BroadcastChannel === "function",
    pageOrigin: pageOrigin(),
    apiOrigin,
  });
}
