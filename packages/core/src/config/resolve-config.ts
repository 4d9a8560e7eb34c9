import { availableParallelism } from "node:os";
import { applyDeploymentPreset, DEPLOYMENT_PRESETS, type DeploymentPreset } from "./deployment-preset.js";
import { createPasswordHasher } from "@latchkey/password";
import { ROUTE_NAMES, type RouteName } from "@latchkey/protocol";
import { z } from "zod";
import { ConfigError } from "../errors.js";
import { cryptoRandom, silentLogger, systemClock } from "../ports/world.js";
import type { LatchkeyOptions } from "./options.js";
import type { ResolvedConfig, ResolvedWorld } from "./resolved-config.js";
import { accountOptionsShape, resolveAccountConfig } from "./resolve-account-config.js";
import { DEFAULTS as d } from "./defaults.js";
import { passkeyOptionsShape, resolvePasskeyConfig } from "./resolve-passkey-config.js";
import { mfaOptionsShape, resolveMfaConfig } from "./resolve-mfa-config.js";

const seconds = z.number().int().positive();
const window = z.strictObject({ points: z.number().int().positive(), durationSeconds: seconds });
const cookieName = z
  .string()
  .regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, "must be a cookie name token (letters, digits, !#$%&'*+-.^_`|~)");
const routePath = z.string().regex(/^\/[A-Za-z0-9\-._~!$&'()*+,;=:@/%]*$/, "must start with / and be a URL path");
const methods = (names: readonly string[]) =>
  z.custom<unknown>(
    (value) =>
      typeof value === "object" &&
      value !== null &&
      names.every((n) => typeof (value as Record<string, unknown>)[n] === "function"),
    {
      message: `must be an object with the methods ${names.join(", ")}`,
    },
  );

/** The shape of {@link LatchkeyOptions}, checked at start-up so a JavaScript caller gets every mistake at once. */
const optionsSchema = z.strictObject({
  stores: z.strictObject({
    sessions: methods([
      "getSession",
      "createSession",
      "updateSessionExpiration",
      "deleteSession",
      "deleteUserSessions",
      "listUserSessions",
      "listSessions",
      "deleteExpiredSessions",
    ]),
    users: methods(["getUserById", "getUserByUsernameKey", "createUser", "updateUser", "listUsers"]),
    throttle: methods(["consume", "refund", "reset"]),
    accounts: methods([
      "createKey",
      "consumeKey",
      "deleteUserKeys",
      "markEmailVerified",
      "isEmailVerified",
      "deleteUserData",
      "setSessionFreshAt",
      "getSessionFreshAt",
      "enqueueMessage",
      "claimMessages",
      "completeMessage",
      "retryMessage",
      "countPendingMessages",
    ]).optional(),
    passkeys: methods([
      "createCredential",
      "listCredentials",
      "findByCredentialId",
      "renameCredential",
      "deleteCredential",
      "recordUse",
      "deleteUserCredentials",
      "saveChallenge",
      "consumeChallenge",
    ]).optional(),
    mfa: methods([
      "getTotp",
      "saveTotp",
      "acceptTotpStep",
      "deleteTotp",
      "replaceRecoveryCodes",
      "useRecoveryCode",
      "countRecoveryCodes",
      "savePendingLogin",
      "getPendingLogin",
      "consumePendingLogin",
      "deleteExpiredPendingLogins",
      "deleteUserFactors",
    ]).optional(),
  }),
  mode: z.enum(["development", "production"]).optional(),
  allowInsecure: z.boolean().optional(),
  deployment: z
    .enum(DEPLOYMENT_PRESETS as [DeploymentPreset, ...DeploymentPreset[]], {
      error: `must be one of ${DEPLOYMENT_PRESETS.map((p) => JSON.stringify(p)).join(", ")}`,
    })
    .optional(),
  basePath: z.union([z.literal(""), routePath], { error: "must be empty or start with /" }).optional(),
  routes: z
    .partialRecord(
      z.enum(ROUTE_NAMES as [RouteName, ...RouteName[]]),
      z.union([routePath, z.array(routePath).min(1), z.literal(false)], {
        error: "must be a path starting with /, a non-empty list of them, or false",
      }),
    )
    .optional(),
  userShape: z.enum(["camel", "drf"]).optional(),
  loginResponse: z.enum(["detail+user", "user"], { error: 'must be "detail+user" or "user"' }).optional(),
  session: z
    .strictObject({
      cookieName: cookieName.optional(),
      idleTimeoutSeconds: seconds.optional(),
      absoluteTimeoutSeconds: seconds.optional(),
      touchIntervalSeconds: z.number().int().min(0).optional(),
      expireAtBrowserClose: z.boolean().optional(),
    })
    .optional(),
  cookies: z
    .strictObject({
      secure: z.enum(["auto", "always", "never"]).optional(),
      sameSite: z.enum(["lax", "strict", "none"]).optional(),
      domain: z
        .string()
        .regex(/^\.?[A-Za-z0-9.-]+$/, "must be a host name")
        .optional(),
      hostPrefix: z.boolean().optional(),
      partitioned: z.boolean().optional(),
    })
    .optional(),
  csrf: z
    .strictObject({
      mode: z.enum(["origin+token", "origin", "token"]).optional(),
      cookieName: cookieName.optional(),
      headerName: z
        .string()
        .regex(/^[A-Za-z0-9-]+$/, "must be a header name")
        .optional(),
      formFieldName: z.string().min(1).optional(),
      cookieMaxAgeSeconds: seconds.optional(),
    })
    .optional(),
  trustedOrigins: z.array(z.string()).optional(),
  cors: z
    .strictObject({
      enabled: z.boolean().optional(),
      allowHeaders: z.array(z.string().regex(/^[A-Za-z0-9-]+$/, "must be a header name")).optional(),
      exposeHeaders: z.array(z.string().regex(/^[A-Za-z0-9-]+$/, "must be a header name")).optional(),
      maxAgeSeconds: z.number().int().min(0).max(86400).optional(),
    })
    .optional(),
  trustProxy: z
    .union([z.boolean(), z.number().int().min(0).max(10)], {
      error: "must be true, false or a number of proxy hops (0-10)",
    })
    .optional(),
  publicOrigin: z.string().optional(),
  bearer: z
    .strictObject({
      enabled: z.boolean().optional(),
      idleTimeoutSeconds: seconds.optional(),
      absoluteTimeoutSeconds: seconds.optional(),
    })
    .optional(),
  throttle: z
    .strictObject({
      enabled: z.boolean().optional(),
      perAccount: window.optional(),
      perIp: window.optional(),
      maxInFlightPerAccount: z.number().int().min(1).max(1000).optional(),
      maxInFlightPerIp: z.number().int().min(1).max(10000).optional(),
      maxConcurrentChecks: z.number().int().min(1).max(1024).optional(),
    })
    .optional(),
  passwords: z
    .strictObject({
      hasher: methods(["hash", "verify", "verifyDummy"]).optional(),
      minLength: z.number().int().min(1).max(4096).optional(),
      maxLength: z.number().int().min(64, "must allow at least 64 characters (ASVS 6.2.9)").max(65536).optional(),
      commonPasswordCheck: z.boolean().optional(),
    })
    .optional(),
  sessionCache: z
    .strictObject({
      enabled: z.boolean().optional(),
      maxEntries: z.number().int().min(1).max(10_000_000).optional(),
      ttlSeconds: z.number().int().min(1).max(86_400).optional(),
      syncTimeoutMs: z.number().int().min(1).max(60_000).optional(),
      leasePeriodMs: z.number().int().min(100).max(60_000).optional(),
      renewIntervalMs: z.number().int().min(10).max(30_000).optional(),
      driftMarginMs: z.number().int().min(0).max(30_000).optional(),
    })
    .optional(),
  invalidationBus: methods(["publish", "subscribe", "sync", "close"]).optional(),
  maxBodyBytes: z
    .number()
    .int()
    .min(1024)
    .max(10 * 1024 * 1024)
    .optional(),
  compat: z
    .union(
      [
        z.literal("django"),
        z.strictObject({ loginWithoutCsrfToken: z.boolean().optional(), getLogout: z.boolean().optional() }),
      ],
      {
        error: 'must be "django" or { loginWithoutCsrfToken?, getLogout? }',
      },
    )
    .optional(),
  hsts: z
    .strictObject({
      enabled: z.boolean().optional(),
      maxAgeSeconds: z
        .number()
        .int()
        .min(0)
        .max(2 * 31_536_000)
        .optional(),
      includeSubDomains: z.boolean().optional(),
      preload: z.boolean().optional(),
    })
    .optional(),
  clearSiteDataOnLogout: z.array(z.enum(["cache", "cookies", "storage", "executionContexts"])).optional(),
  logger: methods(["debug", "info", "warn", "error"]).optional(),
  clock: methods(["now"]).optional(),
  monotonic: z
    .custom<() => number>((value) => typeof value === "function", "must be a function returning milliseconds")
    .optional(),
  random: methods(["fill"]).optional(),
  ...accountOptionsShape,
  ...passkeyOptionsShape,
  ...mfaOptionsShape,
});

/** Formats a zod issue path as `csrf.mode` / `routes.login[1]`. */
function pathOf(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) out += typeof part === "number" ? `[${part}]` : `${out ? "." : ""}${String(part)}`;
  return out || "(options)";
}

/**
 * Checks an origin is exactly `scheme://host[:port]` and returns it normalised, or a problem.
 * Exact matching is the point: `https://example.com.attacker.net` must never pass for
 * `https://example.com` (OWASP CSRF cheat sheet, "match the full origin").
 */
export function normaliseOrigin(value: string): { origin: string } | { problem: string } {
  if (value === "null") return { problem: '"null" is refused: sandboxed frames and file: pages send it' };
  if (value.includes("*")) return { problem: `"${value}" has a wildcard; list each origin exactly` };
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { problem: `"${value}" is not a URL origin like https://app.example.com` };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return { problem: `"${value}" must use http or https` };
  if (url.username || url.password || url.search || url.hash || (url.pathname !== "/" && url.pathname !== "")) {
    return { problem: `"${value}" must be just scheme://host[:port], without path, query or credentials` };
  }
  if (value.endsWith("/") && !value.endsWith("//"))
    return { problem: `"${value}" must not end with a slash (write ${url.origin})` };
  return { origin: url.origin };
}

function joinPath(base: string, path: string): string {
  const full = `${base}${path}`.replace(/\/{2,}/g, "/");
  return full.length > 1 && full.endsWith("/") ? full.slice(0, -1) : full;
}

/**
 * Validates options and fills in every default. Throws a {@link ConfigError} listing every
 * problem found (not only the first); the result is deeply frozen.
 */
export function resolveConfig(options: LatchkeyOptions): { config: ResolvedConfig; world: ResolvedWorld } {
  const parsed = optionsSchema.safeParse(options);
  const problems: string[] = parsed.success
    ? []
    : parsed.error.issues.map((issue) => `${pathOf(issue.path)}: ${issue.message}`);
  const preset = applyDeploymentPreset(options);
  problems.push(...preset.problems);
  const o = preset.options;
  const mode = o.mode ?? d.mode;
  const production = mode === "production";
  const insecureOk = o.allowInsecure ?? d.allowInsecure;

  const trustedOrigins = new Set<string>();
  for (const [i, value] of (o.trustedOrigins ?? d.trustedOrigins).entries()) {
    if (typeof value !== "string") continue;
    const result = normaliseOrigin(value);
    if ("problem" in result) problems.push(`trustedOrigins[${i}]: ${result.problem}`);
    else {
      if (production && !insecureOk && result.origin.startsWith("http:"))
        problems.push(
          `trustedOrigins[${i}]: "${value}" is plain http, refused in production (set allowInsecure to accept it)`,
        );
      trustedOrigins.add(result.origin);
    }
  }
  let publicOrigin: string | null = null;
  if (typeof o.publicOrigin === "string") {
    const result = normaliseOrigin(o.publicOrigin);
    if ("problem" in result) problems.push(`publicOrigin: ${result.problem}`);
    else publicOrigin = result.origin;
  }

  const secure = o.cookies?.secure ?? d.cookies.secure;
  const sameSite = o.cookies?.sameSite ?? d.cookies.sameSite;
  const partitioned = o.cookies?.partitioned ?? d.cookies.partitioned;
  const hostPrefix = o.cookies?.hostPrefix ?? d.cookies.hostPrefix[mode];
  const domain = o.cookies?.domain ?? d.cookies.domain;
  if (secure === "never") {
    if (sameSite === "none")
      problems.push(
        'cookies.sameSite: "none" requires Secure cookies, but cookies.secure is "never" (browsers drop such cookies)',
      );
    if (partitioned)
      problems.push('cookies.partitioned: Partitioned cookies require Secure, but cookies.secure is "never"');
    if (hostPrefix)
      problems.push('cookies.hostPrefix: the __Host- prefix requires Secure, but cookies.secure is "never"');
    if (production && !insecureOk)
      problems.push(
        'cookies.secure: "never" is refused in production (session cookies would travel over plain http); set allowInsecure to accept it',
      );
  }
  if (hostPrefix && domain !== null)
    problems.push(
      "cookies.domain: a __Host- cookie cannot have a Domain; turn hostPrefix off to share cookies with subdomains",
    );

  const idle = o.session?.idleTimeoutSeconds ?? d.session.idleTimeoutSeconds;
  const absolute = o.session?.absoluteTimeoutSeconds ?? d.session.absoluteTimeoutSeconds;
  if (typeof idle === "number" && typeof absolute === "number" && idle > absolute) {
    problems.push(`session.idleTimeoutSeconds (${idle}) must not exceed session.absoluteTimeoutSeconds (${absolute})`);
  }
  const bearerIdle = o.bearer?.idleTimeoutSeconds ?? d.bearer.idleTimeoutSeconds;
  const bearerAbsolute = o.bearer?.absoluteTimeoutSeconds ?? d.bearer.absoluteTimeoutSeconds;
  if (bearerIdle > bearerAbsolute)
    problems.push(
      `bearer.idleTimeoutSeconds (${bearerIdle}) must not exceed bearer.absoluteTimeoutSeconds (${bearerAbsolute})`,
    );
  const minLength = o.passwords?.minLength ?? d.passwords.minLength;
  const maxLength = o.passwords?.maxLength ?? d.passwords.maxLength;
  if (minLength > maxLength)
    problems.push(`passwords.minLength (${minLength}) must not exceed passwords.maxLength (${maxLength})`);

  const basePath = o.basePath === undefined ? d.basePath : o.basePath.replace(/\/+$/, "");
  const routes = {} as Record<RouteName, readonly string[]>;
  const claimed = new Map<string, RouteName>();
  for (const name of ROUTE_NAMES) {
    const option = o.routes?.[name] ?? d.routes[name];
    const paths = option === false ? [] : typeof option === "string" ? [option] : Array.isArray(option) ? option : [];
    const full = paths.filter((p): p is string => typeof p === "string").map((p) => joinPath(basePath, p));
    for (const path of full) {
      const other = claimed.get(path);
      if (other !== undefined && other !== name)
        problems.push(`routes.${name}: path ${path} is already used by routes.${other}`);
      claimed.set(path, name);
    }
    routes[name] = Object.freeze(full);
  }
  if (!(o.bearer?.enabled ?? d.bearer.enabled)) {
    routes.tokenLogin = routes.tokenLogout = routes.tokenLogoutAll = Object.freeze([]);
  }

  const leasePeriod = o.sessionCache?.leasePeriodMs ?? d.sessionCache.leasePeriodMs;
  // With a lease period of their own, the other two follow it (a third, a tenth) unless set.
  const ownPeriod = o.sessionCache?.leasePeriodMs !== undefined;
  const renewInterval =
    o.sessionCache?.renewIntervalMs ?? (ownPeriod ? Math.floor(leasePeriod / 3) : d.sessionCache.renewIntervalMs);
  const driftMargin =
    o.sessionCache?.driftMarginMs ?? (ownPeriod ? Math.floor(leasePeriod / 10) : d.sessionCache.driftMarginMs);
  if (renewInterval * 2 > leasePeriod) {
    problems.push(
      `sessionCache.renewIntervalMs: must be at most half of sessionCache.leasePeriodMs (${leasePeriod} ms), so a lease survives one failed renewal; got ${renewInterval}`,
    );
  }
  if (driftMargin * 2 > leasePeriod) {
    problems.push(
      `sessionCache.driftMarginMs: must be at most half of sessionCache.leasePeriodMs (${leasePeriod} ms); got ${driftMargin}`,
    );
  }
  if ((o.sessionCache?.enabled ?? d.sessionCache.enabled) && o.invalidationBus === undefined) {
    problems.push(
      "sessionCache.enabled: a session cache needs an invalidationBus shared by every server process (Redis pub/sub, PostgreSQL LISTEN/NOTIFY, or createLocalInvalidationBus() for a single process), so that a revocation reaches every cache",
    );
  }

  const hstsMaxAge = o.hsts?.maxAgeSeconds ?? d.hsts.maxAgeSeconds;
  const hstsSubDomains = o.hsts?.includeSubDomains ?? d.hsts.includeSubDomains;
  const hstsPreload = o.hsts?.preload ?? d.hsts.preload;
  // The preload list (hstspreload.org) takes only hosts whose header covers subdomains for a year.
  if (hstsPreload && (!hstsSubDomains || hstsMaxAge < 31_536_000))
    problems.push(
      "hsts.preload: preloading needs hsts.includeSubDomains and hsts.maxAgeSeconds of at least 31536000 (one year)",
    );
  const accountConfig = resolveAccountConfig(o, routes, problems, { production, publicOrigin });
  const passkeyConfig = resolvePasskeyConfig(o, routes, problems, {
    publicOrigin,
    productName: accountConfig.mail.productName,
    hasAccountStore: accountConfig.accounts.enabled,
    normaliseOrigin,
  });
  const mfaResolved = resolveMfaConfig(o, routes, problems, {
    productName: accountConfig.mail.productName,
    hostPrefix,
  });
  // Passkeys as a second factor need both halves: the pending login (MFA) and the passkey store.
  if (!mfaResolved.config.mfa.enabled || !passkeyConfig.passkeys.enabled) routes.mfaWebauthnOptions = Object.freeze([]);

  if (problems.length > 0) throw new ConfigError(problems);

  const compatOption = o.compat === "django" ? { loginWithoutCsrfToken: true, getLogout: true } : (o.compat ?? {});
  const sessionCookieBase = o.session?.cookieName ?? d.session.cookieName;
  const headerName = o.csrf?.headerName ?? d.csrf.headerName;
  const config: ResolvedConfig = deepFreeze({
    mode,
    deployment: o.deployment ?? d.deployment,
    basePath,
    routes,
    userShape: o.userShape ?? d.userShape,
    loginResponse: o.loginResponse ?? d.loginResponse,
    session: {
      cookieName:
        hostPrefix && !sessionCookieBase.startsWith("__Host-") ? `__Host-${sessionCookieBase}` : sessionCookieBase,
      idleTimeoutSeconds: idle,
      absoluteTimeoutSeconds: absolute,
      touchIntervalSeconds: o.session?.touchIntervalSeconds ?? d.session.touchIntervalSeconds,
      expireAtBrowserClose: o.session?.expireAtBrowserClose ?? d.session.expireAtBrowserClose,
    },
    cookies: {
      // Production means Secure always (SPEC §3); "auto" follows the request's scheme otherwise.
      secure: production && secure === "auto" ? "always" : secure,
      sameSite,
      domain,
      hostPrefix,
      partitioned,
    },
    csrf: {
      mode: o.csrf?.mode ?? d.csrf.mode,
      cookieName: o.csrf?.cookieName ?? d.csrf.cookieName,
      headerName,
      headerKey: headerName.toLowerCase(),
      formFieldName: o.csrf?.formFieldName ?? d.csrf.formFieldName,
      cookieMaxAgeSeconds: o.csrf?.cookieMaxAgeSeconds ?? d.csrf.cookieMaxAgeSeconds,
    },
    trustedOrigins,
    cors: {
      enabled: o.cors?.enabled ?? d.cors.enabled,
      allowHeaders: unique([
        "Content-Type",
        headerName,
        "Authorization",
        "X-Requested-With",
        ...(o.cors?.allowHeaders ?? d.cors.allowHeaders),
      ]).join(", "),
      exposeHeaders: unique([headerName, "Retry-After", ...(o.cors?.exposeHeaders ?? d.cors.exposeHeaders)]).join(", "),
      maxAgeSeconds: o.cors?.maxAgeSeconds ?? d.cors.maxAgeSeconds,
    },
    trustProxy: proxyHops(o.trustProxy ?? d.trustProxy),
    publicOrigin,
    bearer: {
      enabled: o.bearer?.enabled ?? d.bearer.enabled,
      idleTimeoutSeconds: bearerIdle,
      absoluteTimeoutSeconds: bearerAbsolute,
    },
    throttle: {
      enabled: o.throttle?.enabled ?? d.throttle.enabled,
      perAccount: o.throttle?.perAccount ?? d.throttle.perAccount,
      perIp: o.throttle?.perIp ?? d.throttle.perIp,
      maxInFlightPerAccount: o.throttle?.maxInFlightPerAccount ?? d.throttle.maxInFlightPerAccount,
      maxInFlightPerIp: o.throttle?.maxInFlightPerIp ?? d.throttle.maxInFlightPerIp,
      maxConcurrentChecks: o.throttle?.maxConcurrentChecks ?? Math.max(1, availableParallelism() - 1),
    },
    passwords: {
      minLength,
      maxLength,
      commonPasswordCheck: o.passwords?.commonPasswordCheck ?? d.passwords.commonPasswordCheck,
    },
    sessionCache: {
      enabled: o.sessionCache?.enabled ?? d.sessionCache.enabled,
      maxEntries: o.sessionCache?.maxEntries ?? d.sessionCache.maxEntries,
      ttlSeconds: o.sessionCache?.ttlSeconds ?? d.sessionCache.ttlSeconds,
      syncTimeoutMs: o.sessionCache?.syncTimeoutMs ?? d.sessionCache.syncTimeoutMs,
      leasePeriodMs: leasePeriod,
      renewIntervalMs: renewInterval,
      driftMarginMs: driftMargin,
    },
    maxBodyBytes: o.maxBodyBytes ?? d.maxBodyBytes,
    maxUsernameLength: d.maxUsernameLength,
    compat: {
      loginWithoutCsrfToken: compatOption.loginWithoutCsrfToken ?? d.compat.loginWithoutCsrfToken,
      getLogout: compatOption.getLogout ?? d.compat.getLogout,
    },
    hsts: {
      enabled: o.hsts?.enabled ?? d.hsts.enabled[mode],
      maxAgeSeconds: hstsMaxAge,
      includeSubDomains: hstsSubDomains,
      preload: hstsPreload,
      header: `max-age=${hstsMaxAge}${hstsSubDomains ? "; includeSubDomains" : ""}${hstsPreload ? "; preload" : ""}`,
    },
    clearSiteDataOnLogout: clearSiteDataValue(o.clearSiteDataOnLogout ?? d.clearSiteDataOnLogout),
    ...accountConfig,
    ...passkeyConfig,
    ...mfaResolved.config,
  });
  const world: ResolvedWorld = Object.freeze({
    stores: o.stores,
    hasher: o.passwords?.hasher ?? createPasswordHasher(),
    logger: o.logger ?? silentLogger,
    clock: o.clock ?? systemClock,
    random: o.random ?? cryptoRandom,
    invalidationBus: o.invalidationBus ?? null,
    ...(o.monotonic === undefined ? {} : { monotonic: o.monotonic }),
    mailTransport: o.mail?.transport ?? null,
    mfaKeys: mfaResolved.keys,
  });
  return { config, world };
}

/** `trustProxy` as a number of hops: `true` is one, `false` none. */
function proxyHops(value: boolean | number): number {
  return value === true ? 1 : value === false ? 0 : value;
}

/** `Clear-Site-Data` directives as the header writes them (each a quoted string), or null for none. */
function clearSiteDataValue(directives: readonly string[]): string | null {
  const list = unique(directives.filter((d) => typeof d === "string"));
  return list.length === 0 ? null : list.map((d) => `"${d}"`).join(", ");
}

/** The names, without case-insensitive duplicates, first spelling kept. */
function unique(names: readonly string[]): string[] {
  const seen = new Set<string>();
  return names.filter((name) => {
    const key = name.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    if (!(value instanceof Set)) for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
