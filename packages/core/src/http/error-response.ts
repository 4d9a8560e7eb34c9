import type { ResolvedWorld } from "../config/resolved-config.js";
import { HttpError, StoreUnavailableError } from "../errors.js";
import type { LatchkeyRequest, LatchkeyResponse } from "./request.js";

/**
 * The one error boundary: turns anything thrown while handling a request into a JSON
 * response. HttpErrors become their catalogue status and text; a store that is down
 * becomes 503 (nobody is logged out, no cookie is cleared); anything else is a logged 500
 * whose body says nothing of the cause (no stack traces or paths to the client, ASVS 16.5.1).
 */
export function errorResponse(error: unknown, req: LatchkeyRequest, world: ResolvedWorld): LatchkeyResponse {
  if (error instanceof HttpError) {
    const fields = {
      event: "request_refused",
      code: error.code,
      status: error.status,
      method: req.method,
      path: req.path,
    };
    if (error.code.startsWith("csrf_")) {
      world.logger.warn(
        { ...fields, origin: req.header("origin") ?? null, secFetchSite: req.header("sec-fetch-site") ?? null },
        `CSRF check failed: ${error.detail}`,
      );
    } else if (error.status >= 400) {
      world.logger.debug(fields, error.detail);
    }
    const body: Record<string, unknown> = { ...error.fields, detail: error.detail, code: error.code };
    if (error.code === "not_authenticated") body.isAuthenticated = false;
    return { status: error.status, headers: { ...error.headers }, cookies: [...error.cookies], body };
  }
  if (error instanceof StoreUnavailableError) {
    const cause = error.cause instanceof Error ? error.cause.message : String(error.cause);
    world.logger.error(
      { event: "store_unavailable", store: error.store, cause, method: req.method, path: req.path },
      `${error.store} store unavailable: ${cause}`,
    );
    const refused = new HttpError("store_unavailable", { store: error.store });
    return {
      status: refused.status,
      headers: { "Retry-After": "5" },
      cookies: [],
      body: { detail: refused.detail, code: refused.code },
    };
  }
  world.logger.error(
    {
      event: "internal_error",
      method: req.method,
      path: req.path,
      err: error instanceof Error ? { message: error.message, stack: error.stack } : String(error),
    },
    "unexpected error while handling a request",
  );
  const internal = new HttpError("internal_error");
  return { status: internal.status, headers: {}, cookies: [], body: { detail: internal.detail, code: internal.code } };
}
