import { DEFAULTS, PASSKEY_DEFAULTS, type LatchkeyOptions } from "@latchkey/core";
import type { ServerLatchkeyOptions } from "./server-config.js";
import type { Settings } from "./settings-schema.js";

type Window = NonNullable<NonNullable<Settings["throttle"]>["perAccount"]>;

/** Fills a half-given throttle window with core's defaults for the other half. */
function windowOf(
  window: Window | undefined,
  defaults: { points: number; durationSeconds: number },
): { points: number; durationSeconds: number } | undefined {
  if (window === undefined) return undefined;
  return {
    points: window.points ?? defaults.points,
    durationSeconds: window.durationSeconds ?? defaults.durationSeconds,
  };
}

/** Picks the settings that are core options, leaving out what was not set so core's defaults apply. */
export function latchkeyOptionsOf(settings: Settings): ServerLatchkeyOptions {
  const options: ServerLatchkeyOptions = {};
  if (settings.allowInsecure !== undefined) options.allowInsecure = settings.allowInsecure;
  if (settings.basePath !== undefined) options.basePath = settings.basePath;
  if (settings.routes !== undefined) options.routes = settings.routes;
  if (settings.userShape !== undefined) options.userShape = settings.userShape;
  if (settings.loginResponse !== undefined) options.loginResponse = settings.loginResponse;
  if (settings.deployment !== undefined) options.deployment = settings.deployment;
  if (settings.session !== undefined) options.session = settings.session;
  if (settings.cookies !== undefined) options.cookies = settings.cookies;
  if (settings.csrf !== undefined) options.csrf = settings.csrf;
  if (settings.trustedOrigins !== undefined) options.trustedOrigins = settings.trustedOrigins;
  if (settings.cors !== undefined) options.cors = settings.cors;
  if (settings.trustProxy !== undefined) options.trustProxy = settings.trustProxy;
  if (settings.publicOrigin !== undefined) options.publicOrigin = settings.publicOrigin;
  if (settings.bearer !== undefined) options.bearer = settings.bearer;
  if (settings.throttle !== undefined) {
    const throttle: NonNullable<LatchkeyOptions["throttle"]> = {};
    if (settings.throttle.enabled !== undefined) throttle.enabled = settings.throttle.enabled;
    const perAccount = windowOf(settings.throttle.perAccount, DEFAULTS.throttle.perAccount);
    if (perAccount !== undefined) throttle.perAccount = perAccount;
    const perIp = windowOf(settings.throttle.perIp, DEFAULTS.throttle.perIp);
    if (perIp !== undefined) throttle.perIp = perIp;
    if (settings.throttle.maxInFlightPerAccount !== undefined)
      throttle.maxInFlightPerAccount = settings.throttle.maxInFlightPerAccount;
    if (settings.throttle.maxInFlightPerIp !== undefined)
      throttle.maxInFlightPerIp = settings.throttle.maxInFlightPerIp;
    if (settings.throttle.maxConcurrentChecks !== undefined)
      throttle.maxConcurrentChecks = settings.throttle.maxConcurrentChecks;
    options.throttle = throttle;
  }
  if (settings.passwords !== undefined) options.passwords = settings.passwords;
  // On by default where the sessions live in a shared store (Redis, PostgreSQL): leases make
  // a hit free and revocations exact there. SQLite alone is one process reading in-process.
  const sharedStore =
    settings.redisUrl !== undefined || settings.redisClusterNodes !== undefined || settings.databaseUrl !== undefined;
  if (settings.sessionCache !== undefined || sharedStore) {
    options.sessionCache = { ...settings.sessionCache, enabled: settings.sessionCache?.enabled ?? sharedStore };
  }
  if (settings.maxBodyBytes !== undefined) options.maxBodyBytes = settings.maxBodyBytes;
  if (settings.compat !== undefined) options.compat = settings.compat;
  if (settings.hsts !== undefined) options.hsts = settings.hsts;
  if (settings.clearSiteDataOnLogout !== undefined) options.clearSiteDataOnLogout = settings.clearSiteDataOnLogout;
  if (settings.signup !== undefined) options.signup = settings.signup;
  if (settings.login !== undefined) options.login = settings.login;
  if (settings.accounts !== undefined) options.accounts = settings.accounts;
  if (settings.passkeys !== undefined) {
    const { loginOptionsPerIp: perIp, ...passkeys } = settings.passkeys;
    const loginOptionsPerIp = windowOf(perIp, PASSKEY_DEFAULTS.loginOptionsPerIp);
    options.passkeys = { ...passkeys, ...(loginOptionsPerIp === undefined ? {} : { loginOptionsPerIp }) };
  }
  if (
    settings.mail?.from !== undefined ||
    settings.mail?.productName !== undefined ||
    settings.mail?.templatesDir !== undefined
  ) {
    options.mail = {
      ...(settings.mail.from === undefined ? {} : { from: settings.mail.from }),
      ...(settings.mail.productName === undefined ? {} : { productName: settings.mail.productName }),
      ...(settings.mail.templatesDir === undefined ? {} : { templatesDir: settings.mail.templatesDir }),
    };
  }
  if (settings.mfa !== undefined) {
    const { encryptionKeys, issuer, pendingLoginTtlSeconds } = settings.mfa;
    options.mfa = {
      // "id:key" → { id, key }; the key itself is base64 and has no colon.
      ...(encryptionKeys === undefined
        ? {}
        : {
            encryptionKeys: encryptionKeys.map((entry) => ({
              id: entry.slice(0, entry.indexOf(":")),
              key: entry.slice(entry.indexOf(":") + 1),
            })),
          }),
      ...(issuer === undefined ? {} : { issuer }),
      ...(pendingLoginTtlSeconds === undefined ? {} : { pendingLoginTtlSeconds }),
    };
  }
  return options;
}
