import type { DeploymentPreset } from "./deployment-preset.js";
import type { PasswordHasher } from "@latchkey/password";
import type { RouteName } from "@latchkey/protocol";
import type { InvalidationBus } from "../ports/invalidation-bus.js";
import type { Stores } from "../ports/stores.js";
import type { Clock, Logger, RandomSource } from "../ports/world.js";
import type { MailTransport } from "../mail/mail-transport.js";
import type { MessageName, MessageTemplate } from "../mail/message-catalogue.js";

/** A path relative to the base path, several (aliases), or `false` to turn the route off. */
export type RoutePathOption = string | readonly string[] | false;

/** The `compat` settings: Django-SPA habits that are unsafe, each off by default. */
export interface CompatOptions {
  /**
   * Accept a login POST that carries no CSRF token, as DRF does for anonymous requests.
   * Risk: login CSRF from a browser that sends no `Origin`/`Sec-Fetch-Site` (only very
   * old browsers); the Origin check still runs for every browser that sends one.
   * @default false
   */
  loginWithoutCsrfToken?: boolean;
  /**
   * Let `GET /logout` end the session, as some Django tutorials' SPAs do. Risk: any page
   * can log the user out with an `<img src>` ("logout CSRF"); latchkey still refuses it
   * when the browser says the request is cross-site (`Sec-Fetch-Site`).
   * @default false
   */
  getLogout?: boolean;
}

/** Options of {@link createLatchkey}. Every field but `stores` has a default. */
export interface LatchkeyOptions {
  /** Where sessions, users and throttle counters live. */
  stores: Stores;
  /**
   * `"production"` makes cookies always `Secure`, turns on the `__Host-` session cookie
   * prefix and refuses insecure settings unless `allowInsecure` is set.
   * @default "development"
   */
  mode?: "development" | "production";
  /** In production, accept settings that weaken security (e.g. non-Secure cookies). @default false */
  allowInsecure?: boolean;
  /**
   * Where the SPA and the API live: sets cookies, CSRF, CORS and proxy trust together for
   * that mode (explicit options still win) and refuses at start-up what cannot work there.
   * See docs/deployment.md. @default unset (no preset)
   */
  deployment?: DeploymentPreset;
  /** Path prefix of every route. @default "/api" */
  basePath?: string;
  /** Per-route paths relative to `basePath`, with aliases, or `false` to disable a route. */
  routes?: Partial<Record<RouteName, RoutePathOption>>;
  /** Render users in camelCase (`"camel"`) or Django REST Framework's snake_case (`"drf"`). @default "camel" */
  userShape?: "camel" | "drf";
  /**
   * The body of a successful `POST /login/`: `"detail+user"` answers
   * `{"detail": "Successfully logged in.", "user": {…}}`; `"user"` answers the user object
   * alone, as Django REST Framework's `Response(UserSerializer(user).data)` does, for SPAs
   * that read the user as the whole login body. @default "detail+user"
   */
  loginResponse?: "detail+user" | "user";
  session?: {
    /** Session cookie name (the `__Host-` prefix is added when enabled). @default "sessionid" */
    cookieName?: string;
    /** A session unused this long ends. Activity moves it (sliding). @default 1209600 (2 weeks) */
    idleTimeoutSeconds?: number;
    /** A session ends this long after login, whatever its activity. @default 2592000 (30 days) */
    absoluteTimeoutSeconds?: number;
    /** Activity is written back to the store at most this often per session. @default 300 */
    touchIntervalSeconds?: number;
    /** Send the session cookie without `Max-Age`, so the browser drops it when it closes. @default false */
    expireAtBrowserClose?: boolean;
  };
  cookies?: {
    /**
     * `"auto"`: `Secure` when the request came over HTTPS (directly or via a trusted proxy),
     * and always in production. `"always"`, `"never"` force it.
     * @default "auto"
     */
    secure?: "auto" | "always" | "never";
    /** `SameSite` of both cookies. `"none"` requires Secure (and is refused otherwise). @default "lax" */
    sameSite?: "lax" | "strict" | "none";
    /** `Domain` attribute, to share cookies with subdomains. Not allowed with the `__Host-` prefix. @default unset */
    domain?: string;
    /** Prefix the session cookie name with `__Host-`. @default true in production, false otherwise */
    hostPrefix?: boolean;
    /**
     * Mark both cookies `Partitioned` (CHIPS), for cross-site SPAs in browsers that block third-party cookies.
     * @default false
     */
    partitioned?: boolean;
  };
  csrf?: {
    /**
     * `"origin+token"`: Origin/Sec-Fetch-Site check and the `X-CSRFToken` token.
     * `"origin"`: only the Origin check (for clients that cannot send headers).
     * `"token"`: only the token.
     * @default "origin+token"
     */
    mode?: "origin+token" | "origin" | "token";
    /** @default "csrftoken" */
    cookieName?: string;
    /** @default "X-CSRFToken" */
    headerName?: string;
    /** @default "csrfmiddlewaretoken" */
    formFieldName?: string;
    /** Lifetime of the CSRF cookie. @default 31449600 (one year, as Django) */
    cookieMaxAgeSeconds?: number;
  };
  /**
   * Origins other than the server's own that may call the API with the user's cookies, e.g.
   * `"http://localhost:5173"`: their unsafe requests pass the CSRF Origin check, and CORS
   * answers them with credentials. Exact `scheme://host[:port]` matches only: no wildcards,
   * and `"null"` is refused (sandboxed frames and `file:` pages send it).
   * @default []
   */
  trustedOrigins?: readonly string[];
  /**
   * CORS for SPAs on other origins (deployment modes C and D). latchkey answers CORS for
   * exactly the `trustedOrigins`, on every path under `basePath` (its own routes and the
   * app's), with credentials; any other origin — `null` included — gets no CORS headers.
   */
  cors?: {
    /** Answer preflights and add CORS headers. Turn off to run your own CORS middleware. @default true */
    enabled?: boolean;
    /**
     * Request headers cross-origin calls may send, besides `Content-Type`, the CSRF header, `Authorization` and
     * `X-Requested-With`.
     * @default []
     */
    allowHeaders?: readonly string[];
    /** Response headers scripts on a trusted origin may read, besides the CSRF header and `Retry-After`. @default [] */
    exposeHeaders?: readonly string[];
    /** How long a browser may reuse a preflight answer, in seconds. @default 600 */
    maxAgeSeconds?: number;
  };
  /**
   * How many reverse proxies in front of the server to believe: their `X-Forwarded-For`,
   * `X-Forwarded-Proto` and `X-Forwarded-Host` headers are honoured. `false`/`0` ignores them
   * (a client could forge them), `true` means one.
   * @default false
   */
  trustProxy?: boolean | number;
  /**
   * The server's public origin (`https://api.example.com`). When set, the CSRF Origin check
   * compares against it instead of deriving the origin from the request.
   * @default derived per request
   */
  publicOrigin?: string;
  bearer?: {
    /** Serve the `/token/*` routes and accept `Authorization: Bearer`. @default true */
    enabled?: boolean;
    /** A token unused this long ends. @default 1209600 (2 weeks) */
    idleTimeoutSeconds?: number;
    /** A token ends this long after it was issued. @default 2592000 (30 days) */
    absoluteTimeoutSeconds?: number;
  };
  throttle?: {
    /** @default true */
    enabled?: boolean;
    /** Failed logins allowed per account per window. @default { points: 10, durationSeconds: 900 } */
    perAccount?: { points: number; durationSeconds: number };
    /**
     * Failed logins allowed per client IP (per /64 for IPv6) per window.
     * @default { points: 50, durationSeconds: 900 }
     */
    perIp?: { points: number; durationSeconds: number };
    /**
     * Password checks (login, token login, password change) one account may have in flight
     * at once in this process; more are refused with 429 and `Retry-After: 1` before any
     * hashing, so a burst at one account cannot fill the hashing queue. @default 2
     */
    maxInFlightPerAccount?: number;
    /** The same bound per client IP (per /64 for IPv6). @default 8 */
    maxInFlightPerIp?: number;
    /**
     * Password checks running at once in this process; the rest wait in a queue served
     * round-robin by client IP, so one client's burst cannot starve other clients' logins.
     * Keep it at or below the hasher's `maxConcurrent`.
     * @default max(1, os.availableParallelism() - 1), the default hasher's `maxConcurrent`
     */
    maxConcurrentChecks?: number;
  };
  passwords?: {
    /** Hasher for new passwords and verification. @default argon2id with OWASP parameters */
    hasher?: PasswordHasher;
    /** @default 8 */
    minLength?: number;
    /** @default 4096 */
    maxLength?: number;
    /** Refuse passwords from the common-password list. @default true */
    commonPasswordCheck?: boolean;
  };
  /**
   * A per-process cache of validated sessions and their users, so that an authenticated
   * request reads neither the session store nor the user store. It needs an
   * `invalidationBus` shared by every process: each revocation is published on it, and a
   * cached session is only served after a sync barrier sent after the request arrived came
   * back through the bus, so a revocation that has returned is seen by every process's next
   * request (never "valid until the cache expires"). Worth it when the stores are remote
   * (Redis, PostgreSQL); pointless on SQLite.
   */
  sessionCache?: {
    /** @default false */
    enabled?: boolean;
    /** Most sessions cached per process; the least recently used is dropped first. @default 10000 */
    maxEntries?: number;
    /**
     * A cached session is re-read from the store at least this often: a bound for changes
     * made without publishing an invalidation (a process that crashed between its store
     * write and its publish, or a row edited by hand). Seconds. @default 60
     */
    ttlSeconds?: number;
    /**
     * How long a request waits for the bus's sync barrier before reading the store instead (buses without leases only).
     * Milliseconds.
     * @default 1000
     */
    syncTimeoutMs?: number;
    /**
     * With a Redis or PostgreSQL bus: how long a process's lease lasts from when its renewal
     * was sent; the longest a revocation waits for a dead or cut-off process. Milliseconds.
     * @default 2000
     */
    leasePeriodMs?: number;
    /**
     * How often a process renews its lease; at most half the period. Milliseconds.
     * @default 667 (a third of the period)
     */
    renewIntervalMs?: number;
    /**
     * Taken off the lease's end by its holder, for clock-rate differences; at most half the period. Milliseconds.
     * @default 200
     */
    driftMarginMs?: number;
  };
  /**
   * Carries invalidations (logout, revocation, password change, deactivation, user changes)
   * to every process's session cache: `redisInvalidationBus()` from @latchkey/store-redis,
   * `postgresInvalidationBus()` from @latchkey/store-postgres, or `createLocalInvalidationBus()`
   * for one process. Required with `sessionCache.enabled`; when given, invalidations are
   * published even by a process that caches nothing itself (the CLI). latchkey never closes it.
   * @default none
   */
  invalidationBus?: InvalidationBus;
  /**
   * A clock that never jumps, in milliseconds, for the session cache's leases; injected by tests.
   * @default performance.now()
   */
  monotonic?: () => number;
  /** Largest request body accepted by latchkey's routes, in bytes. @default 16384 */
  maxBodyBytes?: number;
  /** Unsafe Django-SPA habits to allow, or `"django"` for all of them. @default none */
  compat?: "django" | CompatOptions;
  /**
   * `Strict-Transport-Security` (RFC 6797, ASVS 3.4.1) on latchkey's answers to requests that
   * came over HTTPS (directly or via a trusted proxy): the browser then refuses plain http to
   * this host for `maxAgeSeconds`, so a network attacker cannot strip TLS and read the
   * session cookie. Never sent over plain http (browsers ignore it there anyway).
   */
  hsts?: {
    /** @default true in production, false otherwise */
    enabled?: boolean;
    /** `max-age`: how long the browser remembers to use HTTPS only; 0 makes it forget. @default 31536000 (one year) */
    maxAgeSeconds?: number;
    /** Cover every subdomain too. Only when all of them serve HTTPS. @default false */
    includeSubDomains?: boolean;
    /**
     * Ask to be put on browsers' preload lists; needs `includeSubDomains` and a max-age of a year or more.
     * @default false
     */
    preload?: boolean;
  };
  /**
   * `Clear-Site-Data` directives sent with a successful cookie logout (ASVS 14.3.1), so data
   * the browser keeps for this site is wiped when the session ends. `"storage"` and
   * `"executionContexts"` are accepted but not the default: they wipe the SPA's own storage
   * and reload its tabs (see docs/security.md). `[]` sends no header.
   * @default ["cache", "cookies"]
   */
  clearSiteDataOnLogout?: readonly ("cache" | "cookies" | "storage" | "executionContexts")[];
  /** @default a logger that writes nothing */
  logger?: Logger;
  /** @default the system clock */
  clock?: Clock;
  /** @default Node's CSPRNG (`crypto.randomFillSync`), fetched 4 KiB at a time (`createPooledRandom`) */
  random?: RandomSource;
  // ---- Account lifecycle (SPEC §2a); defaults in config/account-defaults.ts (ACCOUNT_DEFAULTS) ----
  /** Self-service sign-up (`POST /signup/`). */
  signup?: {
    /** Serve the sign-up route. @default false */
    enabled?: boolean;
    /**
     * `"mandatory"`: 202, no session, and login is refused (403 `email_unverified`) until the
     * address is confirmed. `"optional"`: 201 with a session; a link is still sent.
     * `"none"`: 201 with a session, no link.
     * @default "mandatory"
     */
    emailVerification?: "mandatory" | "optional" | "none";
  };
  login?: {
    /**
     * What the `username` field of a login may hold: `["username"]`, or `["username", "email"]` for login by address
     * too.
     * @default ["username"]
     */
    identifiers?: readonly ("username" | "email")[];
  };
  /** Emailed keys, re-authentication and account throttles. */
  accounts?: {
    /** Seconds a verification link works. @default 259200 (3 days) */
    verificationKeyTtlSeconds?: number;
    /** Seconds a password-reset link works. @default 3600 (1 hour) */
    resetKeyTtlSeconds?: number;
    /** Seconds an email-change link works. @default 86400 (1 day) */
    emailChangeKeyTtlSeconds?: number;
    /** Seconds after login or re-authentication during which a session is "fresh". @default 300 */
    reauthenticationWindowSeconds?: number;
    /** Path on `publicOrigin` of the page that verifies an address (`?key=` is appended). @default "/verify-email" */
    verifyEmailLinkPath?: string;
    /** Path on `publicOrigin` of the page that sets a new password (`?key=` is appended). @default "/reset-password" */
    resetPasswordLinkPath?: string;
    /** Sign-ups per client IP per window. @default { points: 10, durationSeconds: 3600 } */
    signupPerIp?: { points: number; durationSeconds: number };
    /** Mails per address per window (over it: the same 202, no mail). @default { points: 3, durationSeconds: 900 } */
    mailPerAddress?: { points: number; durationSeconds: number };
    /**
     * Reset and resend requests per client IP per window (over it: 429).
     * @default { points: 20, durationSeconds: 900 }
     */
    mailPerIp?: { points: number; durationSeconds: number };
  };
  /** Email: what messages say and where the outbox sends them. */
  mail?: {
    /** Where the outbox worker hands messages. Without one, messages wait in the outbox. @default none */
    transport?: MailTransport;
    /** From address. @default "latchkey <no-reply@localhost>" */
    from?: string;
    /** Product name used in messages. @default "latchkey" */
    productName?: string;
    /** Replacement texts for some messages (see the message catalogue). @default the catalogue's */
    templates?: Partial<Record<MessageName, MessageTemplate>>;
    /**
     * A folder of template files overriding the catalogue's texts: `<message>.subject.txt`,
     * `<message>.txt`, `<message>.html` for each message, each optional (see docs/accounts.md,
     * "Email templates"). Read once, at start-up; an unknown file or placeholder, or an
     * unreadable file, is a configuration problem. `templates` wins over these files.
     * @default none (the catalogue's texts)
     */
    templatesDir?: string;
    /** Milliseconds between outbox polls. @default 1000 */
    pollIntervalMs?: number;
    /** Milliseconds before the first retry of a failed message (doubled each time). @default 5000 */
    retryBaseMs?: number;
    /** Longest wait between retries, in milliseconds. @default 900000 */
    retryMaxMs?: number;
    /** Milliseconds a sender holds a claimed message. @default 60000 */
    leaseMs?: number;
  };
  /**
   * Passkeys (WebAuthn): who the relying party is and which origins may answer its challenges. See docs/passkeys.md.
   */
  passkeys?: {
    /**
     * Origins a WebAuthn response may come from (exact `scheme://host[:port]`; https, or http on localhost).
     * @default [publicOrigin]; without either the passkey routes are off
     */
    origins?: readonly string[];
    /**
     * Relying-party ID: the host name of every origin, or a parent domain of them all.
     * @default the host name of the first origin
     */
    rpId?: string;
    /** Relying-party name shown by the browser. @default mail.productName */
    rpName?: string;
    /** Seconds a registration or login challenge can be answered (30–3600). @default 300 */
    challengeTtlSeconds?: number;
    /** Whether the authenticator must verify the user (PIN, biometrics) or presence is enough. @default "required" */
    userVerification?: "required" | "preferred";
    /**
     * Passwordless-login starts per client IP per window (over it: 429).
     * @default { points: 30, durationSeconds: 60 }
     */
    loginOptionsPerIp?: { points: number; durationSeconds: number };
  };
  // ---- Second factors (SPEC §2b); defaults in config/mfa-defaults.ts (MFA_DEFAULTS) ----
  /** TOTP, recovery codes and the second-factor login step. */
  mfa?: {
    /**
     * Keys that seal TOTP secrets at rest (AES-256-GCM): `{ id, key }` with `key` 32 random
     * bytes in base64 or base64url (`openssl rand -base64 32`). The first key seals new
     * secrets; every key listed opens secrets sealed under it, so a key is rotated by putting
     * a new one first and keeping the old one until no secret needs it. Without a key, TOTP
     * enrolment is off (secrets are never stored in clear). @default none
     */
    encryptionKeys?: readonly { id: string; key: string }[];
    /** Issuer shown in authenticator apps. @default mail.productName */
    issuer?: string;
    /** Seconds a pending login waits for its second factor. @default 300 */
    pendingLoginTtlSeconds?: number;
    /** Wrong codes one pending login may take (then 429). @default 5 */
    attemptsPerPendingLogin?: number;
    /** Second-factor attempts per user per window. @default { points: 10, durationSeconds: 900 } */
    attemptsPerUser?: { points: number; durationSeconds: number };
    /** Name of the pending-login cookie. @default "latchkey_mfa" */
    pendingCookieName?: string;
  };
}
