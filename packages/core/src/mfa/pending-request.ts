import { checkOrigin } from "../csrf/origin-check.js";
import { enforceCsrf } from "../csrf/csrf-guard.js";
import type { Engine } from "../engine.js";
import { bodyFields, readBodyOnce } from "../http/body.js";
import type { LatchkeyRequest } from "../http/request.js";
import { readPendingLogin, type PendingLogin } from "./pending-login.js";

/**
 * Reads the body of a request that continues a pending login (`POST /mfa/authenticate/`,
 * `POST /mfa/webauthn/authenticate/options/`), checks where it comes from, and finds the
 * pending login (else 400 `mfa_login_invalid`).
 *
 * The pending cookie is ambient: a hostile page must not be able to complete (or burn the
 * attempts of) a login in the victim's browser, so a cookie pending login is CSRF-checked
 * like login. A token login (`mfaToken` in the body) carries no ambient credential; a page
 * on an untrusted origin is still refused.
 */
export async function readPendingRequest(
  engine: Engine,
  req: LatchkeyRequest,
): Promise<{ fields: Record<string, unknown>; pending: PendingLogin }> {
  const { config } = engine;
  const fields = bodyFields(await readBodyOnce(req, config.maxBodyBytes));
  if (fields.mfaToken === undefined) {
    await enforceCsrf(req, config, { body: "latchkey", tokenOptional: config.compat.loginWithoutCsrfToken });
  } else {
    const originError = checkOrigin(req, config);
    if (originError !== null) throw originError;
  }
  return { fields, pending: await readPendingLogin(engine, req, fields) };
}
