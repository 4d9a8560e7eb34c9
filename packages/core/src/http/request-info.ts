import type { ResolvedConfig } from "../config/resolved-config.js";
import type { LatchkeyRequest } from "./request.js";

/**
 * The `hops`-th value from the right of a comma-separated `X-Forwarded-*` header: each
 * trusted proxy appends what it saw, so values left of the trusted ones were written by
 * the client and can be forged (ASVS 4.1.3, 15.3.4).
 */
function forwardedValue(header: string | undefined, hops: number): string | undefined {
  if (header === undefined || hops === 0) return undefined;
  const parts = header.split(",");
  const index = Math.max(0, parts.length - hops);
  const value = parts[index]?.trim();
  return value === "" ? undefined : value;
}

/** The last value of a header a proxy sets (not appends): the one the nearest proxy wrote. */
function lastValue(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const comma = header.lastIndexOf(",");
  const value = (comma === -1 ? header : header.slice(comma + 1)).trim().toLowerCase();
  return value === "" ? undefined : value;
}

/** The client's IP: the socket peer, or what the trusted proxies report. */
export function clientIp(req: LatchkeyRequest, config: ResolvedConfig): string | null {
  const forwarded = forwardedValue(req.header("x-forwarded-for"), config.trustProxy);
  const ip = forwarded ?? req.remoteAddress ?? null;
  return ip !== null && ip.startsWith("::ffff:") && ip.includes(".") ? ip.slice(7) : ip;
}

/** True if the client reached us over HTTPS, directly or through a trusted proxy. */
export function isSecureRequest(req: LatchkeyRequest, config: ResolvedConfig): boolean {
  if (config.trustProxy > 0) {
    const proto = lastValue(req.header("x-forwarded-proto"));
    if (proto !== undefined) return proto === "https";
  }
  return req.encrypted;
}

/**
 * This server's origin as the browser sees it: `publicOrigin` when configured, else the
 * scheme and `Host` of the request (or the trusted proxy's `X-Forwarded-Host`).
 */
export function requestOrigin(req: LatchkeyRequest, config: ResolvedConfig): string | null {
  if (config.publicOrigin !== null) return config.publicOrigin;
  const host =
    (config.trustProxy > 0 ? lastValue(req.header("x-forwarded-host")) : undefined) ??
    req.header("host")?.toLowerCase();
  if (host === undefined || host === "" || !/^[a-z0-9.\-:[\]]+$/.test(host)) return null;
  const scheme = isSecureRequest(req, config) ? "https" : "http";
  // Browsers omit the default port from Origin; drop it here too so the two compare equal.
  const bare =
    (scheme === "https" && host.endsWith(":443")) || (scheme === "http" && host.endsWith(":80"))
      ? host.slice(0, host.lastIndexOf(":"))
      : host;
  return `${scheme}://${bare}`;
}

/** Methods that must not change state and are never CSRF-checked (RFC 9110 §9.2.1). */
export function isSafeMethod(method: string): boolean {
  return method === "GET" || method === "HEAD" || method === "OPTIONS";
}
