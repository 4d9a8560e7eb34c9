import { ROUTE_NAMES, type RouteName } from "@latchkey/protocol";
import { z } from "zod";

/** An integer in a range, with one message for every way of missing it. */
function integer(min: number, max: number) {
  const message = `must be an integer from ${min} to ${max}`;
  return z.number({ error: message }).int({ error: message }).min(min, { error: message }).max(max, { error: message });
}

/** A whole number of seconds, up to ten years (a typo of a few extra digits is refused). */
const seconds = integer(1, 10 * 365 * 24 * 3600);
const boolean = z.boolean({ error: "must be true or false" });
const text = z.string({ error: "must be a string" }).min(1, { error: "must not be empty" });

function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `must be one of ${values.map((v) => JSON.stringify(v)).join(", ")}` });
}

/** A URL whose scheme is one of `schemes` (`"redis:"`). Problems never echo the value: it may hold a password. */
function urlOf(schemes: readonly string[], what: string) {
  const message = `must be a ${what} URL (${schemes.map((scheme) => `${scheme}//…`).join(" or ")})`;
  return z.string({ error: message }).refine(
    (value) => {
      try {
        const url = new URL(value);
        return schemes.includes(url.protocol) && url.hostname !== "";
      } catch {
        return false;
      }
    },
    { error: message },
  );
}

/** One Redis Cluster start-up node: `host:port` or a redis URL. */
const clusterNode = z
  .string({ error: "must be host:port or a redis:// URL" })
  .refine((value) => /^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/.test(value) || /^rediss?:\/\/./.test(value), {
    error: "must be host:port or a redis:// URL",
  });

const routePath = z.string({ error: "must be a path starting with /" }).regex(/^\/[A-Za-z0-9\-._~!$&'()*+,;=:@/%]*$/, {
  error: "must be a path starting with / (URL path characters only)",
});

const window = z
  .strictObject({ points: integer(1, 1_000_000).exactOptional(), durationSeconds: seconds.exactOptional() })
  .exactOptional();

/** Log levels pino knows, least to most verbose, and `silent`. */
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
/** A pino log level. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * The shape of the config file (and of each layer: environment, command line), every key
 * optional. Values are checked here one by one; rules that relate several settings (idle
 * timeout under absolute timeout, production refusals) are core's, checked afterwards.
 */
export const settingsSchema = z.strictObject({
  /** Editors use it to find a JSON schema; ignored. */
  $schema: z.string().exactOptional(),
  host: text.exactOptional(),
  port: integer(0, 65535).exactOptional(),
  dataDir: text.exactOptional(),
  database: text.exactOptional(),
  databaseUrl: urlOf(["postgres:", "postgresql:"], "PostgreSQL").exactOptional(),
  redisUrl: urlOf(["redis:", "rediss:"], "Redis").exactOptional(),
  redisClusterNodes: z
    .array(clusterNode, { error: "must be a list of host:port" })
    .min(1, { error: "must name at least one node" })
    .exactOptional(),
  redisKeyPrefix: z
    .string({ error: "must be a string" })
    .regex(/^[^{}\s]+$/, { error: "must be non-empty, without spaces, { or }" })
    .exactOptional(),
  sessionCache: z
    .strictObject({
      enabled: boolean.exactOptional(),
      maxEntries: integer(1, 10_000_000).exactOptional(),
      ttlSeconds: integer(1, 86_400).exactOptional(),
      leasePeriodMs: integer(100, 60_000).exactOptional(),
      renewIntervalMs: integer(10, 30_000).exactOptional(),
      driftMarginMs: integer(0, 30_000).exactOptional(),
    })
    .exactOptional(),
  workers: integer(1, 256).exactOptional(),
  spaDir: text.exactOptional(),
  mode: oneOf(["development", "production"]).exactOptional(),
  migrateOnStart: boolean.exactOptional(),
  logLevel: oneOf(LOG_LEVELS).exactOptional(),
  accessLog: z
    .strictObject({ enabled: boolean.exactOptional(), sampleEvery: integer(1, 1_000_000).exactOptional() })
    .exactOptional(),
  shutdownTimeoutSeconds: integer(1, 3600).exactOptional(),
  allowInsecure: boolean.exactOptional(),
  basePath: z.union([z.literal(""), routePath], { error: 'must be "" or a path starting with /' }).exactOptional(),
  routes: z
    .partialRecord(
      z.enum(ROUTE_NAMES as [RouteName, ...RouteName[]], { error: `must be a route name (${ROUTE_NAMES.join(", ")})` }),
      z.union([routePath, z.array(routePath).min(1), z.literal(false)], {
        error: "must be a path starting with /, a non-empty list of them, or false",
      }),
    )
    .exactOptional(),
  userShape: oneOf(["camel", "drf"]).exactOptional(),
  loginResponse: oneOf(["detail+user", "user"]).exactOptional(),
  deployment: oneOf(["same-origin", "reverse-proxy", "same-site", "cross-site", "cross-site-token"]).exactOptional(),
  session: z
    .strictObject({
      cookieName: text.exactOptional(),
      idleTimeoutSeconds: seconds.exactOptional(),
      absoluteTimeoutSeconds: seconds.exactOptional(),
      touchIntervalSeconds: integer(0, 24 * 3600).exactOptional(),
      expireAtBrowserClose: boolean.exactOptional(),
    })
    .exactOptional(),
  cookies: z
    .strictObject({
      secure: oneOf(["auto", "always", "never"]).exactOptional(),
      sameSite: oneOf(["lax", "strict", "none"]).exactOptional(),
      domain: text.exactOptional(),
      hostPrefix: boolean.exactOptional(),
      partitioned: boolean.exactOptional(),
    })
    .exactOptional(),
  csrf: z
    .strictObject({
      mode: oneOf(["origin+token", "origin", "token"]).exactOptional(),
      cookieName: text.exactOptional(),
      headerName: text.exactOptional(),
      formFieldName: text.exactOptional(),
      cookieMaxAgeSeconds: seconds.exactOptional(),
    })
    .exactOptional(),
  trustedOrigins: z
    .array(z.string({ error: "must be a string" }), { error: "must be a list of origins" })
    .exactOptional(),
  cors: z
    .strictObject({
      enabled: boolean.exactOptional(),
      allowHeaders: z.array(text, { error: "must be a list of header names" }).exactOptional(),
      exposeHeaders: z.array(text, { error: "must be a list of header names" }).exactOptional(),
      maxAgeSeconds: integer(0, 86400).exactOptional(),
    })
    .exactOptional(),
  trustProxy: z
    .union([z.boolean(), z.number().int().min(0).max(10)], {
      error: "must be true, false or a number of proxy hops from 0 to 10",
    })
    .exactOptional(),
  publicOrigin: text.exactOptional(),
  bearer: z
    .strictObject({
      enabled: boolean.exactOptional(),
      idleTimeoutSeconds: seconds.exactOptional(),
      absoluteTimeoutSeconds: seconds.exactOptional(),
    })
    .exactOptional(),
  throttle: z
    .strictObject({
      enabled: boolean.exactOptional(),
      perAccount: window,
      perIp: window,
      maxInFlightPerAccount: integer(1, 1000).exactOptional(),
      maxInFlightPerIp: integer(1, 10000).exactOptional(),
      maxConcurrentChecks: integer(1, 1024).exactOptional(),
    })
    .exactOptional(),
  passwords: z
    .strictObject({
      minLength: integer(1, 4096).exactOptional(),
      maxLength: integer(64, 65536).exactOptional(),
      commonPasswordCheck: boolean.exactOptional(),
    })
    .exactOptional(),
  maxBodyBytes: integer(1024, 10 * 1024 * 1024).exactOptional(),
  compat: z
    .union(
      [
        z.literal("django"),
        z.strictObject({ loginWithoutCsrfToken: boolean.exactOptional(), getLogout: boolean.exactOptional() }),
      ],
      {
        error: 'must be "django" or an object with loginWithoutCsrfToken and/or getLogout',
      },
    )
    .exactOptional(),
  hsts: z
    .strictObject({
      enabled: boolean.exactOptional(),
      maxAgeSeconds: integer(0, 2 * 31_536_000).exactOptional(),
      includeSubDomains: boolean.exactOptional(),
      preload: boolean.exactOptional(),
    })
    .exactOptional(),
  clearSiteDataOnLogout: z
    .array(oneOf(["cache", "cookies", "storage", "executionContexts"]), {
      error: "must be a list of Clear-Site-Data directives",
    })
    .exactOptional(),
  // ---- Account lifecycle (SPEC §2a) ----
  signup: z
    .strictObject({
      enabled: boolean.exactOptional(),
      emailVerification: oneOf(["mandatory", "optional", "none"]).exactOptional(),
    })
    .exactOptional(),
  login: z
    .strictObject({
      identifiers: z
        .array(oneOf(["username", "email"]), { error: 'must be a list of "username" and "email"' })
        .min(1)
        .exactOptional(),
    })
    .exactOptional(),
  accounts: z
    .strictObject({
      verificationKeyTtlSeconds: seconds.exactOptional(),
      resetKeyTtlSeconds: seconds.exactOptional(),
      emailChangeKeyTtlSeconds: seconds.exactOptional(),
      reauthenticationWindowSeconds: seconds.exactOptional(),
      verifyEmailLinkPath: routePath.exactOptional(),
      resetPasswordLinkPath: routePath.exactOptional(),
    })
    .exactOptional(),
  mail: z
    .strictObject({
      url: z
        .string({ error: "must be a mail URL" })
        .refine((value) => /^(smtps?:\/\/.+|console:?|file:.*)$/.test(value), {
          error: "must be smtp://user:pass@host:port, smtps://…, console: or file:",
        })
        .exactOptional(),
      from: text.exactOptional(),
      productName: text.exactOptional(),
      templatesDir: text.exactOptional(),
    })
    .exactOptional(),
  // ---- Passkeys (SPEC §2b) ----
  passkeys: z
    .strictObject({
      origins: z
        .array(z.string({ error: "must be a string" }), { error: "must be a list of origins" })
        .min(1)
        .exactOptional(),
      rpId: text.exactOptional(),
      rpName: text.exactOptional(),
      challengeTtlSeconds: integer(30, 3600).exactOptional(),
      userVerification: oneOf(["required", "preferred"]).exactOptional(),
      loginOptionsPerIp: window,
    })
    .exactOptional(),
  // ---- Second factors (SPEC §2b) ----
  mfa: z
    .strictObject({
      encryptionKeys: z
        .array(
          z.string().regex(/^[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/_=-]+$/, {
            error: "must be id:key (key: 32 bytes in base64, e.g. from `openssl rand -base64 32`)",
          }),
          { error: "must be a list of id:key" },
        )
        .exactOptional(),
      issuer: text.exactOptional(),
      pendingLoginTtlSeconds: integer(30, 3600).exactOptional(),
    })
    .exactOptional(),
});

/** One layer of settings (file, environment or command line), validated. */
export type Settings = z.infer<typeof settingsSchema>;
