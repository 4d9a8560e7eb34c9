import type { Engine } from "../engine.js";
import { csrfCookie } from "../cookies/cookie-policy.js";
import type { LatchkeyRequest } from "../http/request.js";
import { csrfSecretFromCookie } from "./csrf-check.js";
import { generateCsrfSecret, maskCsrfSecret } from "./csrf-token.js";

/** A CSRF token to hand out, and the cookies that go with it. */
export interface IssuedCsrf {
  /** A freshly masked token for the `X-CSRFToken` response header. */
  token: string;
  /** The CSRF cookie to set (empty when the client already has it and no refresh was asked). */
  cookies: string[];
}

/**
 * Hands out a CSRF token for the client's secret, creating the secret (and its cookie) if
 * the client has none or a malformed one. `refreshCookie` re-sends an existing cookie so its
 * expiry moves, as `GET /csrf/` does; `rotate` replaces the secret, as login does, so a
 * token an attacker saw before login is worthless after it.
 */
export function issueCsrf(
  engine: Engine,
  req: LatchkeyRequest,
  options: { refreshCookie?: boolean; rotate?: boolean } = {},
): IssuedCsrf {
  const existing = options.rotate === true ? null : csrfSecretFromCookie(req, engine.config);
  const secret = existing ?? generateCsrfSecret(engine.world.random);
  const cookies =
    existing === null || options.refreshCookie === true
      ? [csrfCookie(req, engine.config, secret, engine.world.clock.now())]
      : [];
  return { token: maskCsrfSecret(secret, engine.world.random), cookies };
}
