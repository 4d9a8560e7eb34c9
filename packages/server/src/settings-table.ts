import { DEFAULT_ROUTE_PATHS, ROUTE_NAMES, type RouteName } from "@latchkey/protocol";
import { defaultAt, defaultText } from "./server-defaults.js";

/**
 * How a setting's text (from an environment variable or a command-line flag) becomes a value:
 * - `string`, `path`, `enum`: taken as is (`path`s are resolved against the working directory);
 * - `integer`: decimal digits;
 * - `boolean`: `true`/`false` (also `1`/`0`, `yes`/`no`, `on`/`off`);
 * - `list`: comma-separated;
 * - `url`: taken as is; its password is masked wherever the value is shown;
 * - `trustProxy`: `true`, `false` or a number of proxy hops;
 * - `routePaths`: one path, several comma-separated (aliases), or `false` to turn the route off;
 * - `compat`: `django`, `none`, or a comma-separated list of compat flags.
 */
export type SettingKind =
  | "string"
  | "path"
  | "url"
  | "integer"
  | "boolean"
  | "enum"
  | "list"
  | "trustProxy"
  | "routePaths"
  | "compat";

/** One setting of the ready server, as documented in docs/configuration.md. */
export interface SettingInfo {
  /** Its key in the config file, dotted for nested objects (`session.idleTimeoutSeconds`). */
  readonly key: string;
  /** Its environment variable: `LATCHKEY_` and the key in upper snake case. */
  readonly env: string;
  /** Its `latchkey serve` flag, or null when it has none. */
  readonly flag: string | null;
  readonly kind: SettingKind;
  /** The default, as documentation text. */
  readonly default: string;
  /** The unit of a number (`seconds`, `bytes`), or null. */
  readonly unit: string | null;
  readonly description: string;
  /** A valid value as an environment variable would hold it (used by the docs and tests). */
  readonly example: string;
}

/** An environment variable the ready server reads. */
export interface EnvVarInfo {
  /** `LATCHKEY_PORT`. */
  readonly name: string;
  /** The config-file key it sets, or null (`LATCHKEY_CONFIG` names the file itself). */
  readonly key: string | null;
  /** The equivalent `latchkey serve` flag, or null. */
  readonly flag: string | null;
  readonly default: string;
  readonly unit: string | null;
  readonly description: string;
  readonly example: string;
}

/** `session.idleTimeoutSeconds` → `LATCHKEY_SESSION_IDLE_TIMEOUT_SECONDS`. */
export function envNameOf(key: string): string {
  return `LATCHKEY_${key
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/\./g, "_")
    .toUpperCase()}`;
}

/**
 * A setting as written below. Its default is quoted from the defaults objects (core's
 * `DEFAULTS`, `SERVER_DEFAULTS`) by key, with `note` appended in parentheses; only a default
 * that is derived rather than a value (`database`, `throttle.maxConcurrentChecks`) is text here.
 */
type Row = Omit<SettingInfo, "env" | "flag" | "unit" | "default"> & {
  flag?: string;
  unit?: string;
  default?: string;
  note?: string;
};

const ROWS: readonly Row[] = [
  // The server itself.
  {
    key: "host",
    kind: "string",
    flag: "--host",
    example: "0.0.0.0",
    description:
      "Interface the HTTP server listens on. The default accepts connections from this machine only; use `0.0.0.0` (or `::`) behind a reverse proxy or in a container.",
  },
  {
    key: "port",
    kind: "integer",
    flag: "--port",
    example: "8080",
    description: "TCP port, 0 to 65535. `0` picks a free port; the actual URL is in the `listening` log line.",
  },
  {
    key: "dataDir",
    kind: "path",
    flag: "--data-dir",
    example: "/var/lib/latchkey",
    description: "Directory for latchkey's files (the SQLite database by default). Created if missing.",
  },
  {
    key: "database",
    kind: "path",
    default: "<dataDir>/latchkey.sqlite3",
    example: "/var/lib/latchkey/auth.sqlite3",
    description:
      "The SQLite database file. Every `latchkey` command and every server process given the same file share users and sessions. Unused when `databaseUrl` is set.",
  },
  // Where the data lives, and how many processes serve it.
  {
    key: "databaseUrl",
    kind: "url",
    note: "SQLite",
    example: "postgres://latchkey@127.0.0.1:5432/latchkey",
    description:
      "PostgreSQL URL (`postgres://user:password@host:5432/dbname`). Users then live in PostgreSQL, and so do sessions and throttle counters unless Redis is set; `database` is unused. Its password never appears in logs or messages.",
  },
  {
    key: "redisUrl",
    kind: "url",
    example: "redis://127.0.0.1:6379",
    description:
      "Redis URL (`redis://[:password@]host:6379[/db]`, `rediss://` for TLS). Sessions and throttle counters then live in Redis; users stay in PostgreSQL (`databaseUrl`) or SQLite (`database`).",
  },
  {
    key: "redisClusterNodes",
    kind: "list",
    note: "none",
    example: "10.0.0.1:6379,10.0.0.2:6379,10.0.0.3:6379",
    description:
      "Start-up nodes of a Redis Cluster (`host:port` or `redis://…`; environment: comma-separated), instead of `redisUrl`. The session cache needs Redis 7 there (sharded pub/sub).",
  },
  {
    key: "redisKeyPrefix",
    kind: "string",
    example: "myapp-auth",
    description:
      "Start of every Redis key and of the invalidation channel, to share one Redis between applications. No `{` or `}`.",
  },
  {
    key: "sessionCache.enabled",
    kind: "boolean",
    default: "true with `redisUrl`, `redisClusterNodes` or `databaseUrl`; else false",
    example: "true",
    description:
      "Keep validated sessions in each server process's memory, so an authenticated request reads no store and makes no round trip; a revocation answers only once every process holding a live lease acknowledged it over Redis pub/sub or PostgreSQL LISTEN/NOTIFY (or its lease ran out), so none accepts the session afterwards. `false` turns it off. Needs `redisUrl`, `redisClusterNodes` or `databaseUrl` (see docs/production.md).",
  },
  {
    key: "sessionCache.maxEntries",
    kind: "integer",
    example: "50000",
    description: "Most sessions cached per process; the least recently used is dropped first.",
  },
  {
    key: "sessionCache.ttlSeconds",
    kind: "integer",
    unit: "seconds",
    example: "30",
    description:
      "A cached session is re-read from the store at least this often: the bound for a change made without an invalidation (a process that died between its store write and its publish, a row edited by hand).",
  },
  {
    key: "sessionCache.leasePeriodMs",
    kind: "integer",
    unit: "milliseconds",
    example: "3000",
    description:
      "How long a process's cache lease lasts from when its renewal was sent: the longest a revocation waits for a process that died or is cut off, and the longest a process cut off from the store keeps serving from its cache.",
  },
  {
    key: "sessionCache.renewIntervalMs",
    kind: "integer",
    unit: "milliseconds",
    note: "a third of the lease period when that is set",
    example: "1000",
    description: "How often each process renews its lease (one store write); at most half the lease period.",
  },
  {
    key: "sessionCache.driftMarginMs",
    kind: "integer",
    unit: "milliseconds",
    note: "a tenth of the lease period when that is set",
    example: "300",
    description:
      "Taken off the lease's end by the process holding it, for clocks running at different rates; at most half the lease period.",
  },
  {
    key: "workers",
    kind: "integer",
    flag: "--workers",
    example: "4",
    description:
      "Server processes sharing the port (node:cluster). The primary migrates once, forks them, replaces a crashed one (with backoff, at most 10 crashes a minute) and forwards SIGTERM for a graceful stop.",
  },
  {
    key: "spaDir",
    kind: "path",
    note: "API only",
    flag: "--spa",
    example: "./dist",
    description:
      "A built single-page app to serve (a folder with `index.html`): files as they are, `index.html` for client-side routes, with the CSRF cookie set on page loads.",
  },
  {
    key: "mode",
    kind: "enum",
    note: '"production" when NODE_ENV=production',
    example: "production",
    description:
      '`"development"` or `"production"`. Production makes cookies always `Secure`, prefixes the session cookie with `__Host-` and refuses insecure settings (see "Production mode").',
  },
  {
    key: "migrateOnStart",
    kind: "boolean",
    example: "false",
    description:
      "Apply pending database migrations when the server starts. When false, a server whose database is behind refuses to start and says to run `latchkey migrate`.",
  },
  {
    key: "logLevel",
    kind: "enum",
    example: "debug",
    description:
      'Least severe log level written: `"fatal"`, `"error"`, `"warn"`, `"info"` (with `accessLog.enabled`, one line per request), `"debug"`, `"trace"` or `"silent"`.',
  },
  {
    key: "accessLog.enabled",
    kind: "boolean",
    example: "true",
    description:
      "Write one `info` line per request (method, path without query, status, duration), as gunicorn's access log; needs `logLevel` `info` or lower. Off in production: errors and security events (CSRF refusals, failed and throttled logins) are logged as their own events either way, and a reverse proxy usually keeps the access log.",
  },
  {
    key: "accessLog.sampleEvery",
    kind: "integer",
    unit: "requests",
    note: "every request",
    example: "100",
    description:
      "With `accessLog.enabled`, write the line for one request in this many (1 to 1000000), counted per process, for a sampled access log under heavy load.",
  },
  {
    key: "shutdownTimeoutSeconds",
    kind: "integer",
    unit: "seconds",
    example: "30",
    description: "On SIGINT/SIGTERM, how long requests in flight may take to finish before their connections are cut.",
  },
  // latchkey's core options.
  {
    key: "allowInsecure",
    kind: "boolean",
    example: "true",
    description:
      'In production mode, accept settings that weaken security (plain-http trusted origins, `cookies.secure` "never"). For experiments only.',
  },
  {
    key: "basePath",
    kind: "string",
    example: "/auth",
    description: 'Path prefix of every latchkey route. Empty (`""`, config file only) mounts them at the root.',
  },
  ...ROUTE_NAMES.map(
    (name: RouteName): Row => ({
      key: `routes.${name}`,
      kind: "routePaths",
      example: name === "login" ? "/auth/login/,/login/" : `/v1${DEFAULT_ROUTE_PATHS[name]}`,
      description: `Path of the \`${name}\` route relative to \`basePath\`: one path, a list of aliases, or \`false\` to turn the route off.`,
    }),
  ),
  {
    key: "deployment",
    kind: "enum",
    note: "no preset",
    example: "same-origin",
    description:
      'Where the SPA and the API live, setting cookies, CSRF, CORS and proxy trust together (explicit settings still win), and refusing at start-up what cannot work there: `"same-origin"` (SPA served by latchkey), `"reverse-proxy"` (one origin behind a proxy; `trustProxy` 1), `"same-site"` (another origin of the same site; needs `trustedOrigins`), `"cross-site"` (another site; `SameSite=None; Secure; Partitioned`, HTTPS, needs `trustedOrigins`), `"cross-site-token"` (another site with bearer tokens; needs `trustedOrigins`). See docs/deployment.md.',
  },
  {
    key: "loginResponse",
    kind: "enum",
    example: "user",
    description:
      'Body of a successful login: `"detail+user"` (`{"detail": "Successfully logged in.", "user": {…}}`) or `"user"` (the user object alone, as Django REST Framework\'s `Response(UserSerializer(user).data)`, for SPAs that read the whole login body as the user).',
  },
  {
    key: "userShape",
    kind: "enum",
    example: "drf",
    description:
      'How users are rendered: `"camel"` (`isStaff`, `dateJoined`) or `"drf"` (Django REST Framework\'s `is_staff`, `date_joined`).',
  },
  {
    key: "session.cookieName",
    kind: "string",
    example: "sid",
    description: "Name of the session cookie (`__Host-` is prepended when `cookies.hostPrefix` is on).",
  },
  {
    key: "session.idleTimeoutSeconds",
    kind: "integer",
    unit: "seconds",
    example: "3600",
    description: "A session unused this long ends. Activity moves the deadline (sliding expiry).",
  },
  {
    key: "session.absoluteTimeoutSeconds",
    kind: "integer",
    unit: "seconds",
    example: "1814400",
    description:
      "A session ends this long after login whatever its activity. Must be at least `session.idleTimeoutSeconds`.",
  },
  {
    key: "session.touchIntervalSeconds",
    kind: "integer",
    unit: "seconds",
    example: "60",
    description: "Activity is written back to the database at most this often per session (0: on every request).",
  },
  {
    key: "session.expireAtBrowserClose",
    kind: "boolean",
    example: "true",
    description: "Send the session cookie without `Max-Age`, so the browser forgets it when it closes.",
  },
  {
    key: "cookies.secure",
    kind: "enum",
    example: "always",
    description:
      '`"auto"`: `Secure` when the request came over HTTPS (directly or via a trusted proxy), and always in production. `"always"` or `"never"` force it.',
  },
  {
    key: "cookies.sameSite",
    kind: "enum",
    example: "strict",
    description:
      '`SameSite` of the session and CSRF cookies: `"lax"`, `"strict"` or `"none"` (cross-site SPAs; requires Secure).',
  },
  {
    key: "cookies.domain",
    kind: "string",
    note: "host-only cookies",
    example: "example.com",
    description: "`Domain` attribute, to share the cookies with subdomains. Not allowed with the `__Host-` prefix.",
  },
  {
    key: "cookies.hostPrefix",
    kind: "boolean",
    example: "false",
    description:
      "Prefix the session cookie name with `__Host-` (the browser then insists on Secure, Path=/ and no Domain).",
  },
  {
    key: "cookies.partitioned",
    kind: "boolean",
    example: "true",
    description:
      "Mark both cookies `Partitioned` (CHIPS), for cross-site SPAs in browsers that block third-party cookies.",
  },
  {
    key: "csrf.mode",
    kind: "enum",
    example: "origin",
    description:
      '`"origin+token"`: Origin/Sec-Fetch-Site check and the `X-CSRFToken` token; `"origin"`: only the Origin check; `"token"`: only the token.',
  },
  {
    key: "csrf.cookieName",
    kind: "string",
    example: "XSRF-TOKEN",
    description: "Name of the CSRF cookie the SPA reads.",
  },
  {
    key: "csrf.headerName",
    kind: "string",
    example: "X-XSRF-TOKEN",
    description: "Request header that carries the CSRF token (also the response header that hands it out).",
  },
  {
    key: "csrf.formFieldName",
    kind: "string",
    example: "_csrf",
    description: "Form field that may carry the CSRF token instead of the header.",
  },
  {
    key: "csrf.cookieMaxAgeSeconds",
    kind: "integer",
    unit: "seconds",
    example: "86400",
    description: "Lifetime of the CSRF cookie.",
  },
  {
    key: "trustedOrigins",
    kind: "list",
    note: "none",
    example: "http://localhost:5173,https://app.example.com",
    description:
      "Origins other than the server's own that may call the API with the user's cookies: their unsafe requests pass the CSRF Origin check and CORS answers them with credentials. Exact `scheme://host[:port]`, no wildcards, never `null`. Environment: comma-separated.",
  },
  {
    key: "cors.enabled",
    kind: "boolean",
    example: "false",
    description:
      "Answer CORS (preflights and response headers, with credentials) for exactly the `trustedOrigins`, on every path under `basePath`. Turn off only to run your own CORS in front.",
  },
  {
    key: "cors.allowHeaders",
    kind: "list",
    note: "Content-Type, the CSRF header, Authorization and X-Requested-With are always allowed",
    example: "X-Request-Id",
    description: "More request headers a trusted origin may send. Environment: comma-separated.",
  },
  {
    key: "cors.exposeHeaders",
    kind: "list",
    note: "the CSRF header and Retry-After are always exposed",
    example: "X-Request-Id",
    description: "More response headers scripts on a trusted origin may read. Environment: comma-separated.",
  },
  {
    key: "cors.maxAgeSeconds",
    kind: "integer",
    unit: "seconds",
    example: "3600",
    description: "How long a browser may reuse a preflight answer (0 to 86400).",
  },
  {
    key: "trustProxy",
    kind: "trustProxy",
    example: "1",
    description:
      "How many reverse proxies to believe for `X-Forwarded-For/-Proto/-Host`: `false`/`0` ignores them, `true` means one, or a number of hops (up to 10).",
  },
  {
    key: "publicOrigin",
    kind: "string",
    note: "derived from each request",
    example: "https://app.example.com",
    description: "The server's public origin; when set, the CSRF Origin check compares against it.",
  },
  {
    key: "bearer.enabled",
    kind: "boolean",
    example: "false",
    description: "Serve the `/token/*` routes and accept `Authorization: Bearer` tokens.",
  },
  {
    key: "bearer.idleTimeoutSeconds",
    kind: "integer",
    unit: "seconds",
    example: "3600",
    description: "A bearer token unused this long ends.",
  },
  {
    key: "bearer.absoluteTimeoutSeconds",
    kind: "integer",
    unit: "seconds",
    example: "1814400",
    description: "A bearer token ends this long after it was issued.",
  },
  {
    key: "throttle.enabled",
    kind: "boolean",
    example: "false",
    description: "Throttle failed logins (per account and per client IP).",
  },
  {
    key: "throttle.perAccount.points",
    kind: "integer",
    example: "5",
    description: "Failed logins allowed per account per window.",
  },
  {
    key: "throttle.perAccount.durationSeconds",
    kind: "integer",
    unit: "seconds",
    example: "600",
    description: "Length of the per-account window.",
  },
  {
    key: "throttle.perIp.points",
    kind: "integer",
    example: "100",
    description: "Failed logins allowed per client IP (per /64 for IPv6) per window.",
  },
  {
    key: "throttle.perIp.durationSeconds",
    kind: "integer",
    unit: "seconds",
    example: "600",
    description: "Length of the per-IP window.",
  },
  {
    key: "throttle.maxInFlightPerAccount",
    kind: "integer",
    unit: "checks",
    example: "4",
    description:
      "Password checks (login, token login, password change) one account may have running or queued at once in this process; more are refused at once with 429 and `Retry-After: 1`, before any hashing.",
  },
  {
    key: "throttle.maxInFlightPerIp",
    kind: "integer",
    unit: "checks",
    example: "32",
    description:
      "The same bound per client IP (per /64 for IPv6). Raise it when many users share one address (a large NAT) and log in at the same moment.",
  },
  {
    key: "throttle.maxConcurrentChecks",
    kind: "integer",
    unit: "checks",
    default: "cores − 1 (at least 1)",
    example: "3",
    description:
      "Password checks hashing at once in this process; the others wait in a queue served round-robin by client IP, so one client's burst cannot starve other clients' logins. Keep it at or below the hasher's concurrency (the same default).",
  },
  {
    key: "passwords.minLength",
    kind: "integer",
    unit: "characters",
    example: "12",
    description: "Shortest password accepted for new passwords.",
  },
  {
    key: "passwords.maxLength",
    kind: "integer",
    unit: "characters",
    example: "1024",
    description: "Longest password accepted (at least 64).",
  },
  {
    key: "passwords.commonPasswordCheck",
    kind: "boolean",
    example: "false",
    description: "Refuse new passwords found in the common-password list.",
  },
  {
    key: "maxBodyBytes",
    kind: "integer",
    unit: "bytes",
    example: "32768",
    description: "Largest request body latchkey's routes accept (1024 to 10485760); larger bodies get 413.",
  },
  // Response headers.
  {
    key: "hsts.enabled",
    kind: "boolean",
    example: "true",
    description:
      "Send `Strict-Transport-Security` on answers to requests that came over HTTPS (directly or through a trusted proxy, `trustProxy`); never over plain http.",
  },
  {
    key: "hsts.maxAgeSeconds",
    kind: "integer",
    unit: "seconds",
    example: "63072000",
    description:
      "`max-age` of `Strict-Transport-Security` (0 to 63072000): how long browsers use only HTTPS for this host. 0 makes them forget it.",
  },
  {
    key: "hsts.includeSubDomains",
    kind: "boolean",
    example: "true",
    description:
      "Add `includeSubDomains`: every subdomain then gets HTTPS-only too. Turn on only when all of them serve HTTPS.",
  },
  {
    key: "hsts.preload",
    kind: "boolean",
    example: "false",
    description:
      "Add `preload` (for browsers' preload lists). Needs `hsts.includeSubDomains` and a `hsts.maxAgeSeconds` of at least 31536000.",
  },
  {
    key: "clearSiteDataOnLogout",
    kind: "list",
    example: "cache",
    description:
      "`Clear-Site-Data` directives sent with a cookie logout: `cache`, `cookies`, `storage`, `executionContexts` (environment: comma-separated; `[]` in the config file sends none). See docs/security.md for what each one wipes.",
  },
  {
    key: "compat",
    kind: "compat",
    default: "none",
    example: "django",
    description:
      '`"django"` turns on every Django-SPA habit below; or an object (environment: a comma-separated list) of `loginWithoutCsrfToken` (accept a login without CSRF token, as DRF does) and `getLogout` (let `GET /logout` end the session). Each weakens CSRF protection.',
  },
  {
    key: "signup.enabled",
    kind: "boolean",
    example: "true",
    description:
      "Serve `POST /signup/` (self-service sign-up). Needs mail (`mail.url`; SMTP in production) and, in production, `publicOrigin` for the links.",
  },
  {
    key: "signup.emailVerification",
    kind: "enum",
    example: "optional",
    description:
      '`"mandatory"`: sign-up answers 202 and login is refused (403 `email_unverified`) until the emailed link is opened; `"optional"`: logged in at once, a link is still sent; `"none"`: no link.',
  },
  {
    key: "login.identifiers",
    kind: "list",
    example: "username,email",
    description:
      "What the login `username` field may hold: add `email` to let people log in with their address. Environment: comma-separated.",
  },
  {
    key: "accounts.verificationKeyTtlSeconds",
    kind: "integer",
    unit: "seconds",
    example: "86400",
    description: "How long an email-verification link works.",
  },
  {
    key: "accounts.resetKeyTtlSeconds",
    kind: "integer",
    unit: "seconds",
    example: "1800",
    description: "How long a password-reset link works (it also dies when it is used or the password changes).",
  },
  {
    key: "accounts.emailChangeKeyTtlSeconds",
    kind: "integer",
    unit: "seconds",
    example: "3600",
    description: "How long an email-change link works.",
  },
  {
    key: "accounts.reauthenticationWindowSeconds",
    kind: "integer",
    unit: "seconds",
    example: "600",
    description:
      "How long after login or `POST /reauthenticate/` a session may change its address or delete the account.",
  },
  {
    key: "accounts.verifyEmailLinkPath",
    kind: "string",
    example: "/account/verify",
    description: "Path on `publicOrigin` of the SPA page that posts a verification key (`?key=` is appended).",
  },
  {
    key: "accounts.resetPasswordLinkPath",
    kind: "string",
    example: "/account/reset",
    description: "Path on `publicOrigin` of the SPA page that sets a new password (`?key=` is appended).",
  },
  {
    key: "mail.url",
    kind: "url",
    note: "messages wait in the outbox",
    example: "smtp://smtp.example.com:587",
    description:
      "Where mail goes: `smtp://user:pass@host:port` (STARTTLS when offered), `smtps://…` (TLS), `console:` (development: printed to the log) or `file:` (development: `.eml` files in `<dataDir>/mail`, or `file:/some/dir`). Production refuses to start without SMTP when a route that sends mail is on. Its password never appears in logs.",
  },
  {
    key: "mail.from",
    kind: "string",
    example: "Example <no-reply@example.com>",
    description: "From address of every message.",
  },
  { key: "mail.productName", kind: "string", example: "Example", description: "Product name used in messages." },
  {
    key: "mail.templatesDir",
    kind: "path",
    note: "the built-in texts",
    example: "./mail-templates",
    description:
      'Folder of files overriding the messages\' texts: `<message>.subject.txt`, `<message>.txt`, `<message>.html`, each optional, with `{placeholders}` (see docs/accounts.md, "Email templates"). Read at start-up: an unknown file or placeholder, or an unreadable file, stops the start.',
  },
  // Passkeys (SPEC §2b); defaults in packages/core/src/config/passkey-defaults.ts.
  {
    key: "passkeys.origins",
    kind: "list",
    default: "[publicOrigin] (without publicOrigin: passkeys off)",
    example: "https://app.example.com",
    description:
      "Origins a WebAuthn response may come from: exact `scheme://host[:port]`, https (or http on localhost). A phishing site's response names its own origin and is refused. Environment: comma-separated.",
  },
  {
    key: "passkeys.rpId",
    kind: "string",
    default: "the host name of the first origin",
    example: "example.com",
    description:
      "Relying-party ID the passkeys are bound to: the host name of every origin or a parent domain of them all (not an IP address).",
  },
  {
    key: "passkeys.rpName",
    kind: "string",
    default: "mail.productName",
    example: "Example",
    description: "Name the browser's passkey dialog shows.",
  },
  {
    key: "passkeys.challengeTtlSeconds",
    kind: "integer",
    unit: "seconds",
    example: "120",
    description: "How long a registration or login challenge can be answered (30 to 3600); each is single-use.",
  },
  {
    key: "passkeys.userVerification",
    kind: "enum",
    example: "preferred",
    description:
      '`"required"`: the authenticator must verify the user (PIN, biometrics), as a passkey login replaces the password; `"preferred"`: presence (a tap) is enough.',
  },
  {
    key: "passkeys.loginOptionsPerIp.points",
    kind: "integer",
    example: "10",
    description:
      "Passwordless-login starts (`POST /login/webauthn/options/`, each saves a challenge) allowed per client IP (per /64 for IPv6) per window; over it: 429.",
  },
  {
    key: "passkeys.loginOptionsPerIp.durationSeconds",
    kind: "integer",
    unit: "seconds",
    example: "300",
    description: "Length of that window.",
  },
  {
    key: "mfa.encryptionKeys",
    kind: "list",
    default: "unset (TOTP enrolment off)",
    example: "k2026:BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=",
    description:
      "Keys that seal TOTP secrets at rest (AES-256-GCM), each `id:key` with `key` 32 random bytes in base64 (`openssl rand -base64 32`; never reuse the example). The first seals new secrets; every listed key still opens its own, so rotate by putting a new key first and keeping the old. Without one, TOTP setup is off (404): secrets are never stored in clear. Environment: comma-separated. Never shown in logs or problems. See docs/mfa.md.",
  },
  {
    key: "mfa.issuer",
    kind: "string",
    default: "mail.productName",
    example: "Example",
    description: "Issuer shown in authenticator apps (the `otpauth://` URL); no `:`.",
  },
  {
    key: "mfa.pendingLoginTtlSeconds",
    kind: "integer",
    unit: "seconds",
    example: "120",
    description:
      "How long a login that passed the password waits for its second factor (the HttpOnly pending-login cookie or `mfaToken`), 30 to 3600.",
  },
];

/** A row's default from the defaults objects, as text. */
function quotedDefault(row: Row): string {
  const value = defaultAt(row.key);
  if (value === undefined)
    throw new Error(`settings table: ${row.key} has no default in DEFAULTS or SERVER_DEFAULTS and no default text`);
  const text = defaultText(value, row.unit ?? null);
  return row.note === undefined ? text : `${text} (${row.note})`;
}

/** Flags `latchkey serve` accepts for settings, by key. */
const FLAGS: Readonly<Record<string, string>> = {
  host: "--host <host>",
  port: "--port <port>",
  dataDir: "--data-dir <dir>",
  spaDir: "--spa <dir>",
  workers: "--workers <n>",
};

/** Every setting of the ready server, in documentation order. */
export const SETTINGS: readonly SettingInfo[] = Object.freeze(
  ROWS.map(
    (row): SettingInfo =>
      Object.freeze({
        key: row.key,
        env: envNameOf(row.key),
        flag: FLAGS[row.key] ?? null,
        kind: row.kind,
        default: row.default ?? quotedDefault(row),
        unit: row.unit ?? null,
        description: row.description,
        example: row.example,
      }),
  ),
);

/** Settings by key. */
export const SETTINGS_BY_KEY: ReadonlyMap<string, SettingInfo> = new Map(SETTINGS.map((s) => [s.key, s]));

/** The environment variable naming the config file. */
export const CONFIG_ENV_VAR = "LATCHKEY_CONFIG";

/**
 * Every environment variable the ready server reads, as data, so docs/configuration.md and
 * a test can check they agree. (`NODE_ENV=production` also selects production mode.)
 */
export const ENV_VARS: readonly EnvVarInfo[] = Object.freeze([
  Object.freeze({
    name: CONFIG_ENV_VAR,
    key: null,
    flag: "--config <file>",
    default: "latchkey.config.json in the working directory, if present",
    unit: null,
    description: "Path of the JSON config file.",
    example: "/etc/latchkey/latchkey.config.json",
  }),
  ...SETTINGS.map((s) =>
    Object.freeze({
      name: s.env,
      key: s.key,
      flag: s.flag,
      default: s.default,
      unit: s.unit,
      description: s.description,
      example: s.example,
    }),
  ),
]);
