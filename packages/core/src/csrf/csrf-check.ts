import type { ResolvedConfig } from "../config/resolved-config.js";
import { constantTimeEqual } from "../encoding.js";
import { HttpError } from "../errors.js";
import type { LatchkeyRequest } from "../http/request.js";
import { readCookie } from "../cookies/read-cookie.js";
import { csrfSecretOf, isWellFormedCsrfValue } from "./csrf-token.js";

/**
 * The CSRF secret in the request's cookie, or null if absent or malformed. A 64-character
 * (masked) cookie, as older Django versions wrote, is unmasked.
 */
export function csrfSecretFromCookie(req: LatchkeyRequest, config: ResolvedConfig): string | null {
  const value = readCookie(req.header("cookie"), config.csrf.cookieName);
  return value !== undefined && isWellFormedCsrfValue(value) ? csrfSecretOf(value) : null;
}

/** What the token check may use besides the header. */
export interface TokenSources {
  /** The `csrfmiddlewaretoken` field of a form-encoded body, if the body was one. */
  formToken?: string | undefined;
  /** Accept the request without a token (the `compat.loginWithoutCsrfToken` habit). */
  tokenOptional?: boolean;
}

/**
 * Layer 2 of CSRF defence: the token. A page on another origin cannot read the `csrftoken`
 * cookie or the `X-CSRFToken` response header, so it cannot echo the secret back; a forged
 * form or fetch fails here even if it slipped past the Origin check. Compared in constant
 * time so response timing does not reveal how much of a guess was right.
 */
export function checkCsrfToken(
  req: LatchkeyRequest,
  config: ResolvedConfig,
  sources: TokenSources = {},
): HttpError | null {
  const headerToken = req.header(config.csrf.headerKey);
  const fromHeader = headerToken !== undefined;
  const token = headerToken ?? sources.formToken;
  if (token === undefined && sources.tokenOptional === true) return null;
  const secret = csrfSecretFromCookie(req, config);
  if (secret === null) return new HttpError("csrf_cookie_missing");
  if (token === undefined || token === "") return new HttpError("csrf_token_missing");
  const source = fromHeader ? `the '${config.csrf.headerName}' HTTP header` : "POST";
  if (!isWellFormedCsrfValue(token)) return new HttpError("csrf_token_malformed", { source });
  if (!constantTimeEqual(csrfSecretOf(token), secret)) return new HttpError("csrf_token_incorrect", { source });
  return null;
}
