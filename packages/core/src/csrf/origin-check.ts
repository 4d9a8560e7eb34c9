import type { ResolvedConfig } from "../config/resolved-config.js";
import { HttpError } from "../errors.js";
import type { LatchkeyRequest } from "../http/request.js";
import { requestOrigin } from "../http/request-info.js";

/** The origin part of a Referer URL, or null if it has none. */
function refererOrigin(referer: string): string | null {
  try {
    const url = new URL(referer);
    return url.protocol === "http:" || url.protocol === "https:" ? url.origin : null;
  } catch {
    return null;
  }
}

function isTrusted(origin: string, req: LatchkeyRequest, config: ResolvedConfig): boolean {
  return config.trustedOrigins.has(origin) || origin === requestOrigin(req, config);
}

/**
 * Layer 1 of CSRF defence: refuse unsafe requests that a browser says come from another
 * origin. Stops cross-site form posts and fetches (and, with `Sec-Fetch-Site`, requests
 * from sibling subdomains that could also plant cookies). Order:
 * 1. `Sec-Fetch-Site: same-origin` is set by the browser and cannot be forged by a page: accept.
 * 2. Otherwise an `Origin` header must be the server's own origin or a trusted one, exactly;
 *    `Origin: null` never matches (sandboxed iframes, `file:` pages send it).
 * 3. No `Origin` but `Sec-Fetch-Site` (`same-site`, `cross-site`): refuse; `none` (a user
 *    typing the URL) is accepted.
 * 4. Neither header: a `Referer` is checked like an origin (old browsers); with none at all
 *    the request is not from a browser that can be tricked (every browser since 2020 sends
 *    `Origin` on unsafe requests), so it passes to the token check, unless `failClosed`
 *    is set: with no token check behind it (`csrf.mode: "origin"`) a request whose origin
 *    cannot be told is refused, as the OWASP CSRF cheat sheet recommends.
 * Returns null when the request passes, or the error to answer with.
 */
export function checkOrigin(
  req: LatchkeyRequest,
  config: ResolvedConfig,
  options: { failClosed?: boolean } = {},
): HttpError | null {
  const site = req.header("sec-fetch-site");
  if (site === "same-origin") return null;
  const origin = req.header("origin");
  if (origin !== undefined) {
    if (origin !== "null" && isTrusted(origin.toLowerCase(), req, config)) return null;
    if (site === "cross-site" || site === "same-site") return new HttpError("csrf_cross_site", { site, origin });
    return new HttpError("csrf_origin_untrusted", { origin });
  }
  if (site !== undefined) {
    if (site === "none") return null;
    return new HttpError("csrf_cross_site", { site, origin: "(no Origin header)" });
  }
  const referer = req.header("referer");
  if (referer !== undefined) {
    const fromReferer = refererOrigin(referer);
    if (fromReferer !== null && isTrusted(fromReferer, req, config)) return null;
    return new HttpError("csrf_referer_untrusted", { referer: fromReferer ?? "(malformed Referer)" });
  }
  return options.failClosed === true ? new HttpError("csrf_origin_missing") : null;
}
