import { CACHE_DEFAULTS } from "./cache-defaults.js";
import { MAX_USERNAME_LENGTH } from "../users/username.js";
import type { DeploymentPreset } from "./deployment-preset.js";
import {
  DEFAULT_BASE_PATH,
  DEFAULT_COOKIE_NAMES,
  DEFAULT_CSRF_FORM_FIELD,
  DEFAULT_CSRF_HEADER,
  DEFAULT_ROUTE_PATHS,
} from "@latchkey/protocol";

/** A default that differs between development and production mode. */
export interface ByMode<T> {
  readonly development: T;
  readonly production: T;
}

/**
 * Defaults of latchkey's core settings (sessions, cookies, CSRF, CORS, bearer tokens, login
 * throttling, passwords, headers), each with its unit and the reason for the value. One area
 * of {@link DEFAULTS} (config/defaults.ts). Names and paths the browser client must agree on
 * (cookie names, CSRF header, routes) come from `@latchkey/protocol`, which the client shares.
 *
 * Derived defaults are not values here and are computed by the resolver:
 * `throttle.maxConcurrentChecks` (cores − 1, at least 1, like the hasher's own concurrency),
 * and the routes turned off when their feature is (bearer, sign-up, accounts).
 */
export const CORE_DEFAULTS = Object.freeze({
  /** Development is forgiving (http, localhost); production must be asked for, and then refuses insecure settings. */
  mode: "development" as "development" | "production",
  /** Off: in production, settings that weaken security are refused unless the operator says they mean it. */
  allowInsecure: false,
  /** No deployment preset: every setting keeps its own default until the operator says where the SPA lives. */
  deployment: null as DeploymentPreset | null,
  /** Path prefix of every route: "/api", so the SPA and the API can share one origin without clashing. */
  basePath: DEFAULT_BASE_PATH,
  /** Path of each route relative to `basePath`, as django-allauth/dj-rest-auth SPAs expect them. */
  routes: DEFAULT_ROUTE_PATHS,
  /** camelCase user objects; "drf" gives Django REST Framework's snake_case. */
  userShape: "camel" as "camel" | "drf",
  /** `{detail, user}` after login, so a SPA gets the user without a second request. */
  loginResponse: "detail+user" as "detail+user" | "user",
  session: Object.freeze({
    /** Django's cookie name, so a Django SPA works unchanged. */
    cookieName: DEFAULT_COOKIE_NAMES.session,
    /** Seconds of inactivity before a session ends: 2 weeks, Django's SESSION_COOKIE_AGE. */
    idleTimeoutSeconds: 14 * 24 * 3600,
    /**
     * Seconds after login a session ends whatever its activity: 30 days (OWASP Session Management: bound the lifetime).
     */
    absoluteTimeoutSeconds: 30 * 24 * 3600,
    /**
     * Seconds between write-backs of a session's activity: 5 minutes, so a busy session costs one write per 5 minutes,
     * not one per request.
     */
    touchIntervalSeconds: 300,
    /** Off: people expect to stay logged in across browser restarts within the idle timeout. */
    expireAtBrowserClose: false,
  }),
  cookies: Object.freeze({
    /**
     * "auto": Secure when the request came over HTTPS (always in production), so plain-http development still works.
     */
    secure: "auto" as "auto" | "always" | "never",
    /** "lax": blocks cross-site POSTs carrying the cookie while links into the app keep the session. */
    sameSite: "lax" as "lax" | "strict" | "none",
    /** Host-only cookies: a sibling subdomain cannot read or overwrite them. */
    domain: null as string | null,
    /**
     * `__Host-` in production: the browser then refuses the cookie without Secure, with a Domain or another Path
     * (cookie tossing).
     */
    hostPrefix: Object.freeze({ development: false, production: true }) as ByMode<boolean>,
    /** Off: only cross-site SPAs need CHIPS partitioning. */
    partitioned: false,
  }),
  csrf: Object.freeze({
    /**
     * Both checks (OWASP CSRF cheat sheet: defence in depth): the Origin/Sec-Fetch-Site check and the double-submit
     * token.
     */
    mode: "origin+token" as "origin+token" | "origin" | "token",
    /** Django's CSRF cookie name, read by Django SPAs and axios-style clients. */
    cookieName: DEFAULT_COOKIE_NAMES.csrf,
    /** Django's CSRF header. */
    headerName: DEFAULT_CSRF_HEADER,
    /** Django's CSRF form field. */
    formFieldName: DEFAULT_CSRF_FORM_FIELD,
    /** Seconds the CSRF cookie lives: 52 weeks, Django's CSRF_COOKIE_AGE. */
    cookieMaxAgeSeconds: 31_449_600,
  }),
  /** No other origin may call with the user's cookies until listed: the safe default. */
  trustedOrigins: Object.freeze([]) as readonly string[],
  cors: Object.freeze({
    /** On: CORS answers exactly the trusted origins, and nobody when there are none. */
    enabled: true,
    /**
     * No extra request headers: Content-Type, the CSRF header, Authorization and X-Requested-With are always allowed.
     */
    allowHeaders: Object.freeze([]) as readonly string[],
    /** No extra response headers: the CSRF header and Retry-After are always exposed. */
    exposeHeaders: Object.freeze([]) as readonly string[],
    /**
     * Seconds a browser may reuse a preflight answer: 10 minutes, so a changed trustedOrigins list reaches browsers
     * soon.
     */
    maxAgeSeconds: 600,
  }),
  /** No proxy is believed: X-Forwarded-* from a client would otherwise spoof its IP and scheme. */
  trustProxy: false as boolean | number,
  /** Unset: the origin is taken from each request (production mail links then need it set). */
  publicOrigin: null as string | null,
  bearer: Object.freeze({
    /** On: mobile and cross-site-token clients need bearer tokens. */
    enabled: true,
    /** Seconds of inactivity before a token ends: 2 weeks, as sessions. */
    idleTimeoutSeconds: 14 * 24 * 3600,
    /** Seconds after issue a token ends: 30 days, as sessions. */
    absoluteTimeoutSeconds: 30 * 24 * 3600,
  }),
  throttle: Object.freeze({
    /** On: password guessing must be slowed (OWASP Authentication cheat sheet). */
    enabled: true,
    /** Failed logins per account per 15 minutes: 10, enough for a forgetful user, too few for guessing. */
    perAccount: Object.freeze({ points: 10, durationSeconds: 900 }),
    /** Failed logins per client IP (per /64 for IPv6) per 15 minutes: 50, room for an office behind one address. */
    perIp: Object.freeze({ points: 50, durationSeconds: 900 }),
    /** Password checks one account may have running or queued in a process: 2, so a burst cannot occupy the hasher. */
    maxInFlightPerAccount: 2,
    /** The same bound per client IP: 8. */
    maxInFlightPerIp: 8,
  }),
  passwords: Object.freeze({
    /** Characters: 8, NIST SP 800-63B's minimum for user-chosen passwords. */
    minLength: 8,
    /** Characters: 4096, long enough for any passphrase, short enough that hashing it is no denial of service. */
    maxLength: 4096,
    /** On: refuse passwords from the common-password list (NIST SP 800-63B). */
    commonPasswordCheck: true,
  }),
  sessionCache: Object.freeze({
    /** Off: a cache needs an invalidation bus shared by every process. */
    enabled: false,
    /** Sessions cached per process: 10 000, a few MiB. */
    maxEntries: 10_000,
    /**
     * Seconds a cached session is trusted without re-reading the store: 60, the bound for a change made without an
     * invalidation.
     */
    ttlSeconds: 60,
    /** Milliseconds a request waits for the bus's sync barrier before reading the store instead: 1 s. */
    syncTimeoutMs: 1_000,
    // The lease settings (docs/production.md, "The session cache"), commented in cache-defaults.ts.
    ...CACHE_DEFAULTS,
  }),
  /** Bytes of the largest request body: 16 KiB, far more than any route needs, far less than a memory attack wants. */
  maxBodyBytes: 16 * 1024,
  /**
   * Characters of the longest username: 150, Django's `max_length` (users/username.ts, which normalisation also uses).
   */
  maxUsernameLength: MAX_USERNAME_LENGTH,
  compat: Object.freeze({
    /** Off: a login without CSRF token is login CSRF. */
    loginWithoutCsrfToken: false,
    /** Off: a GET that logs out can be triggered by any page (an image tag). */
    getLogout: false,
  }),
  hsts: Object.freeze({
    /** On in production only: HSTS over a development http origin would lock the browser out of it. */
    enabled: Object.freeze({ development: false, production: true }) as ByMode<boolean>,
    /** Seconds browsers use only HTTPS: 1 year (365 days), what the preload list asks for. */
    maxAgeSeconds: 31_536_000,
    /** Off: only the operator knows whether every subdomain serves HTTPS. */
    includeSubDomains: false,
    /** Off: preloading is hard to undo. */
    preload: false,
  }),
  /**
   * `Clear-Site-Data` on logout: the cache (pages with personal data) and cookies, but not storage the app may want to
   * keep.
   */
  clearSiteDataOnLogout: Object.freeze(["cache", "cookies"]) as readonly (
    | "cache"
    | "cookies"
    | "storage"
    | "executionContexts"
  )[],
});
