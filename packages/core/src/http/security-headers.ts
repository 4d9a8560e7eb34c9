import type { ResolvedConfig } from "../config/resolved-config.js";
import { isSecureRequest } from "./request-info.js";
import type { LatchkeyRequest, LatchkeyResponse } from "./request.js";

/**
 * Headers on every answer latchkey gives itself (its routes, and the refusals of the
 * adapters' middleware and guards), all of them JSON that no browser should ever render:
 * - `Content-Security-Policy: default-src 'none'; frame-ancestors 'none'`: a JSON answer
 *   opened as a page loads nothing and runs nothing, and no site can frame it;
 * - `X-Frame-Options: DENY`: the same framing ban for browsers without CSP level 2
 *   (clickjacking; OWASP Clickjacking Defense Cheat Sheet);
 * - `Referrer-Policy: no-referrer`: an API URL is never sent onwards as a referrer.
 * `X-Content-Type-Options: nosniff` is added with the JSON content type by `finishResponse`.
 */
export const API_SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "no-referrer",
});
// Each value once more by name, for withSecurityHeaders' stores under literal names.
const CONTENT_SECURITY_POLICY = API_SECURITY_HEADERS["Content-Security-Policy"] as string;
const X_FRAME_OPTIONS = API_SECURITY_HEADERS["X-Frame-Options"] as string;
const REFERRER_POLICY = API_SECURITY_HEADERS["Referrer-Policy"] as string;

/**
 * The `Strict-Transport-Security` value for this request, or null: only when `hsts` is on
 * (production by default) and the request came over HTTPS, directly or via a trusted proxy
 * (RFC 6797 §7.2: a host must not send it over plain http). It stops SSL stripping: once
 * seen, the browser never again sends the session cookie's requests over plain http.
 */
export function strictTransportSecurity(req: LatchkeyRequest, config: ResolvedConfig): string | null {
  return config.hsts.enabled && isSecureRequest(req, config) ? config.hsts.header : null;
}

/** Adds {@link API_SECURITY_HEADERS} and, over HTTPS, HSTS to one of latchkey's answers. */
export function withSecurityHeaders(
  response: LatchkeyResponse,
  req: LatchkeyRequest,
  config: ResolvedConfig,
): LatchkeyResponse {
  // One store per header under its own name, neither Object.assign (whose builtins cost
  // about 1,000 instructions a whoami) nor a loop over the names (a store under a variable
  // name goes through V8's generic keyed store, about 200 instructions each), measured with
  // callgrind (bench/src/instructions.ts).
  const headers = response.headers;
  headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY;
  headers["X-Frame-Options"] = X_FRAME_OPTIONS;
  headers["Referrer-Policy"] = REFERRER_POLICY;
  const hsts = strictTransportSecurity(req, config);
  if (hsts !== null) headers["Strict-Transport-Security"] = hsts;
  return response;
}
