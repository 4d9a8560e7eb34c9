import type { ResolvedConfig } from "../config/resolved-config.js";
import { isFormEncoded, readBodyOnce } from "../http/body.js";
import type { LatchkeyRequest } from "../http/request.js";
import { checkCsrfToken } from "./csrf-check.js";
import { checkOrigin } from "./origin-check.js";

/** Whose request body this is, which decides whether the CSRF check may read it. */
export type BodyOwner =
  /** latchkey's own route: a form-encoded body is read (once, shared with the route) for its token field. */
  | "latchkey"
  /** The app's route: the stream is the app's, so only a body a framework already parsed is looked at. */
  | "app";

/** Options of {@link enforceCsrf}. */
export interface CsrfGuardOptions {
  body: BodyOwner;
  /** Accept the request without a token (the `compat.loginWithoutCsrfToken` habit). */
  tokenOptional?: boolean;
}

/**
 * The `csrfmiddlewaretoken` form field of the request, when there is no token header: a
 * plain HTML form cannot set headers, so Django reads the token from the form body too
 * (SPEC §4). Read only for a form-encoded body; a JSON body's fields never count, since a
 * page that can send JSON with credentials can send the header.
 */
async function formToken(req: LatchkeyRequest, config: ResolvedConfig, owner: BodyOwner): Promise<string | undefined> {
  const parsed = req.parsedBody;
  if (typeof parsed === "object" && parsed !== null) {
    const field: unknown = (parsed as Record<string, unknown>)[config.csrf.formFieldName];
    return typeof field === "string" ? field : undefined;
  }
  if (owner !== "latchkey" || !isFormEncoded(req)) return undefined;
  const body = await readBodyOnce(req, config.maxBodyBytes);
  return body.kind === "form" ? body.value[config.csrf.formFieldName] : undefined;
}

/**
 * The one CSRF check of every unsafe request that rides on ambient credentials (login, the
 * session cookie): layer 1, the Origin/Sec-Fetch-Site check (cross-site form posts and
 * fetches), before any body is read; then layer 2, the token from the `X-CSRFToken` header
 * or, failing that, the form field. Every route and the adapters' middleware call this, so
 * the token sources are the same everywhere. Throws the 403 (or the body's 400/413/415).
 */
export async function enforceCsrf(
  req: LatchkeyRequest,
  config: ResolvedConfig,
  options: CsrfGuardOptions,
): Promise<void> {
  const mode = config.csrf.mode;
  if (mode !== "token") {
    const originError = checkOrigin(req, config, { failClosed: mode === "origin" });
    if (originError !== null) throw originError;
  }
  if (mode === "origin") return;
  const fromForm =
    req.header(config.csrf.headerKey) === undefined ? await formToken(req, config, options.body) : undefined;
  const tokenError = checkCsrfToken(req, config, {
    formToken: fromForm,
    tokenOptional: options.tokenOptional === true,
  });
  if (tokenError !== null) throw tokenError;
}
