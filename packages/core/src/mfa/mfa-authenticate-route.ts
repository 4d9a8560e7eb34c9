import type { AuthenticationResponseJSON } from "@simplewebauthn/server";
import type { Engine } from "../engine.js";
import { HttpError } from "../errors.js";
import { authenticationCredential } from "../passkeys/credential-input.js";
import { verifyPasskeyAssertion } from "../passkeys/passkey-assertion.js";
import { passkeyContext } from "../routes/passkey-routes.js";
import { requiredField } from "../routes/account-guards.js";
import type { RouteDefinition } from "../routes/route-definition.js";
import { errorSchema, loginResponseSchema, tokenLoginResponseSchema } from "../routes/schemas.js";
import { authenticateRequestSchema } from "./mfa-schemas.js";
import { countSecondFactorAttempt } from "./mfa-throttle.js";
import { mfaStoreOf } from "./mfa-guard.js";
import { completePendingLogin } from "./pending-login.js";
import { readPendingRequest } from "./pending-request.js";
import { useSecondFactorCode } from "./verify-code.js";

export const mfaAuthenticateRoute: RouteDefinition = {
  name: "mfaAuthenticate",
  methods: ["POST"],
  summary: "Finish a login with the second factor",
  description:
    "Completes a login that answered 401 `mfa_required`, with a 6-digit code from the authenticator app or a recovery code (`code`), or with a passkey (`credential`: the browser's answer to `POST /mfa/webauthn/authenticate/options/`). A cookie login's pending login is in its HttpOnly cookie (the request is CSRF-checked like login); a token login sends its `mfaToken` in the body. Success answers exactly like `POST /login/` (new session, new CSRF token) or `POST /token/login/`. Each code and each passkey challenge works once; attempts are limited per pending login and per user.",
  security: [],
  csrf: true,
  requestBody: authenticateRequestSchema,
  responses: {
    200: {
      description: "Logged in: the answer of `POST /login/` (or of `POST /token/login/` for an `mfaToken`).",
      schema: loginResponseSchema.or(tokenLoginResponseSchema),
      headers: ["setCookie"],
    },
    400: {
      description:
        "Wrong or used code (`mfa_code_invalid`); a passkey answer that fails (`passkey_invalid`: another user's passkey, a failed check) or whose challenge is unknown, used or expired (`webauthn_challenge_invalid`); or no live pending login (`mfa_login_invalid`): log in again.",
      schema: errorSchema,
    },
    403: { description: "CSRF check failed.", schema: errorSchema },
    429: {
      description: "Too many attempts on this pending login or for this user; see Retry-After.",
      schema: errorSchema,
    },
  },
  async handle(engine, req) {
    mfaStoreOf(engine);
    const { fields, pending } = await readPendingRequest(engine, req);
    const userId = pending.record.userId;
    if (fields.credential !== undefined) {
      const credential = authenticationCredential(fields);
      await countSecondFactorAttempt(engine, userId, pending.record.tokenHash);
      await verifyPasskeyFactor(engine, userId, credential);
      return completePendingLogin(engine, req, pending);
    }
    const code = requiredField(fields, ["code"], 64, "Please provide code (or credential, for a passkey).");
    await countSecondFactorAttempt(engine, userId, pending.record.tokenHash);
    const method = await useSecondFactorCode(engine, userId, code);
    if (method === null) {
      engine.world.logger.warn({ event: "mfa_failed", userId }, "second factor refused");
      throw new HttpError("mfa_code_invalid");
    }
    return completePendingLogin(engine, req, pending);
  },
};

/**
 * Verifies a passkey assertion as `userId`'s second factor: the challenge must be one issued
 * by `POST /mfa/webauthn/authenticate/options/` to this user (taken once, so a replayed or
 * raced assertion finishes one login at most), and the credential must be one of this user's
 * passkeys (another account's passkey, even a valid one, cannot finish this login).
 */
async function verifyPasskeyFactor(
  engine: Engine,
  userId: string,
  credential: AuthenticationResponseJSON,
): Promise<void> {
  try {
    await verifyPasskeyAssertion(passkeyContext(engine), credential, { purpose: "second_factor", userId });
  } catch (error) {
    engine.world.logger.warn({ event: "mfa_failed", userId, method: "webauthn" }, "second factor refused");
    throw error;
  }
}
