import type { ResolvedConfig } from "../config/resolved-config.js";
import type { Logger } from "../ports/world.js";
import type { LatchkeyRequest, LatchkeyResponse } from "./request.js";

const METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";
/** Shared answers for the common cases, so the hot path allocates nothing for them. */
const NONE: Readonly<Record<string, string>> = Object.freeze({});
const VARY_ONLY: Readonly<Record<string, string>> = Object.freeze({ Vary: "Origin" });

/** CORS for the trusted origins, built once from the config. */
export interface Cors {
  /** True if CORS applies to this path (it is under the base path and CORS is on). */
  applies(path: string): boolean;
  /**
   * The answer to a CORS preflight (`OPTIONS` with `Origin` and
   * `Access-Control-Request-Method`) under the base path, or null if the request is not one.
   */
  preflight(req: LatchkeyRequest): LatchkeyResponse | null;
  /** Headers to add to an actual response (empty when CORS does not apply). */
  headers(req: LatchkeyRequest): Readonly<Record<string, string>>;
  /** Sets {@link Cors.headers} on `target`, one of latchkey's own answers. */
  addHeaders(req: LatchkeyRequest, target: Record<string, string>): void;
}

/**
 * CORS with credentials, for exactly the configured trusted origins. The request's Origin is
 * echoed only after an exact match against the allow-list: reflecting any Origin with
 * `Access-Control-Allow-Credentials: true` would let every site read the user's data, and
 * `null` (sandboxed frames, `file:` pages) is never allowed (OWASP HTML5 cheat sheet,
 * PortSwigger's CORS guidance). `Vary: Origin` keeps shared caches from serving one origin's
 * answer to another (on every answer under the base path once any origin is trusted). CORS
 * is not CSRF protection: unsafe requests still pass the CSRF checks.
 */
export function createCors(config: ResolvedConfig, logger: Logger): Cors {
  // Each refused origin is logged once (up to a bound), so the most common cross-origin
  // mistake — the SPA's origin missing from trustedOrigins — shows in the log without an
  // attacker being able to flood it.
  const reported = new Set<string>();
  function reportRefused(origin: string, path: string): void {
    if (reported.has(origin) || reported.size >= 100) return;
    reported.add(origin);
    logger.warn(
      { event: "cors_refused", origin, path },
      `CORS preflight from ${origin} refused: it is not in trustedOrigins`,
    );
  }

  const prefix = config.basePath;
  // Built once, not per request (a template literal in the test allocated a string each time).
  const prefixSlash = `${prefix}/`;
  const applies = (path: string): boolean =>
    config.cors.enabled && (prefix === "" || path === prefix || path.startsWith(prefixSlash));
  const allowed = (origin: string | undefined): origin is string =>
    origin !== undefined && config.trustedOrigins.has(origin.toLowerCase());

  // With no trusted origin, no request's Origin changes any answer (every origin gets the
  // same one, without CORS headers), so `Vary: Origin` would tell caches nothing: it is left
  // out, and with it the cost of a header on every app answer (a same-origin deployment).
  const anyTrusted = config.trustedOrigins.size > 0;

  function headers(req: LatchkeyRequest): Readonly<Record<string, string>> {
    if (!anyTrusted || !applies(req.path)) return NONE;
    const origin = req.header("origin");
    if (!allowed(origin)) return VARY_ONLY;
    return {
      "Access-Control-Allow-Origin": origin,
      "Access-Control-Allow-Credentials": "true",
      "Access-Control-Expose-Headers": config.cors.exposeHeaders,
      Vary: "Origin",
    };
  }

  return {
    applies,
    headers,
    addHeaders(req, target) {
      // A loop over what headers() decides, not Object.assign (see withSecurityHeaders).
      const add = headers(req);
      for (const name in add) target[name] = add[name] as string;
    },
    preflight(req) {
      if (req.method !== "OPTIONS" || !applies(req.path)) return null;
      const origin = req.header("origin");
      if (origin === undefined || req.header("access-control-request-method") === undefined) return null;
      const headers: Record<string, string> = {
        Vary: "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
      };
      if (!allowed(origin)) reportRefused(origin, req.path);
      else {
        headers["Access-Control-Allow-Origin"] = origin;
        headers["Access-Control-Allow-Credentials"] = "true";
        headers["Access-Control-Allow-Methods"] = METHODS;
        headers["Access-Control-Allow-Headers"] = config.cors.allowHeaders;
        headers["Access-Control-Max-Age"] = String(config.cors.maxAgeSeconds);
      }
      // An untrusted origin gets a plain 204 without CORS headers: the browser then refuses
      // to send the real request.
      return { status: 204, headers, cookies: [], body: null };
    },
  };
}
