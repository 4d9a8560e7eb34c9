import type { ResolvedConfig } from "../config/resolved-config.js";
import type { LatchkeyRequest } from "../http/request.js";
import { isSecureRequest } from "../http/request-info.js";
import { serializeCookie, type CookieAttributes } from "./serialize-cookie.js";

/**
 * Whether this response's cookies get `Secure`. SameSite=None, Partitioned and `__Host-`
 * cookies are only stored by browsers when Secure, so those settings force it on.
 */
function secureFor(req: LatchkeyRequest, config: ResolvedConfig): boolean {
  const c = config.cookies;
  if (c.secure === "always" || c.sameSite === "none" || c.partitioned || c.hostPrefix) return true;
  if (c.secure === "never") return false;
  return isSecureRequest(req, config);
}

function attributes(
  req: LatchkeyRequest,
  config: ResolvedConfig,
  httpOnly: boolean,
  maxAgeSeconds: number | undefined,
): CookieAttributes {
  const base = {
    httpOnly,
    secure: secureFor(req, config),
    sameSite: config.cookies.sameSite,
    domain: config.cookies.domain,
    partitioned: config.cookies.partitioned,
  };
  return maxAgeSeconds === undefined ? base : { ...base, maxAgeSeconds };
}

/**
 * The session cookie. `HttpOnly` so that script injected into the SPA (XSS) cannot read
 * and exfiltrate the session token; it can still act within the page, but the token never
 * leaves the browser (ASVS 3.3.4).
 */
export function sessionCookie(
  req: LatchkeyRequest,
  config: ResolvedConfig,
  token: string,
  expiresAtMs: number,
  nowMs: number,
): string {
  const maxAge = config.session.expireAtBrowserClose ? undefined : Math.ceil((expiresAtMs - nowMs) / 1000);
  return serializeCookie(config.session.cookieName, token, attributes(req, config, true, maxAge), nowMs);
}

/** Deletes the session cookie (same attributes, so the browser matches and drops it). */
export function clearSessionCookie(req: LatchkeyRequest, config: ResolvedConfig, nowMs: number): string {
  return serializeCookie(config.session.cookieName, "", attributes(req, config, true, 0), nowMs);
}

/**
 * The CSRF cookie holds the unmasked secret and is readable by script: the SPA copies it
 * into the `X-CSRFToken` header, which a page on another origin cannot do.
 */
export function csrfCookie(req: LatchkeyRequest, config: ResolvedConfig, secret: string, nowMs: number): string {
  return serializeCookie(
    config.csrf.cookieName,
    secret,
    attributes(req, config, false, config.csrf.cookieMaxAgeSeconds),
    nowMs,
  );
}

/**
 * A short-lived HttpOnly cookie of latchkey's own beside the session (the pending-login cookie
 * of a second-factor login): the session cookie's attributes, so script injected into the SPA
 * cannot read it either. `maxAgeSeconds` 0 deletes it.
 */
export function shortLivedCookie(
  req: LatchkeyRequest,
  config: ResolvedConfig,
  name: string,
  value: string,
  maxAgeSeconds: number,
  nowMs: number,
): string {
  return serializeCookie(name, value, attributes(req, config, true, maxAgeSeconds), nowMs);
}
