import { checkOrigin } from "../csrf/origin-check.js";
import { enforceCsrf } from "../csrf/csrf-guard.js";
import { HttpError } from "../errors.js";
import { bodyFields, readBodyOnce } from "../http/body.js";
import { requiredField } from "../routes/account-guards.js";
import type { RouteDefinition } from "../routes/route-definition.js";
import { errorSchema, loginResponseSchema, tokenLoginResponseSchema } from "../routes/schemas.js";
import { authenticateRequestSchema } from "./mfa-schemas.js";
import { countSecondFactorAttempt } from "./mfa-throttle.js";
import { mfaStoreOf } from "./mfa-guard.js";
import { completePendingLogin, readPendingLogin } from "./pending-login.js";
import { useSecondFactorCode } from "./verify-code.js";

export const mfaAuthenticateRoute: RouteDefinition = {
  name: "mfaAuthenticate",
  methods: ["POST"],
  summary: "Finish a login with the second factor",
  description:
    "Completes a login that answered 401 `mfa_required`, with a 6-digit code from the authenticator app or a recovery code. A cookie login's pending login is in its HttpOnly cookie (the request is CSRF-checked like login); a token login sends its `mfaToken` in the body. Success answers exactly like `POST /login/` (new session, new CSRF token) or `POST /token/login/`. Each code works once; attempts are limited per pending login and per user.",
  security: [],
  csrf: true,
  requestBody: authenticateRequestSchema,
  responses: {
    200: { description: "Logged in: the answer of `POST /login/` (or of `POST /token/login/` for an `mfaToken`).", schema: loginResponseSchema.or(tokenLoginResponseSchema), headers: ["setCookie"] },
    400: { description: "Wrong or used code (`mfa_code_invalid`), or no live pending login (`mfa_login_invalid`): log in again.", schema: errorSchema },
    403: { description: "CSRF check failed.", schema: errorSchema },
    429: { description: "Too many attempts on this pending login or for this user; see Retry-After.", schema: errorSchema },
  },
  async handle(engine, req) {
    const { config } = engine;
    mfaStoreOf(engine);
    const fields = bodyFields(await readBodyOnce(req, config.maxBodyBytes));
    if (fields.mfaToken === undefined) {
      // The pending cookie is ambient: a hostile page must not be able to complete (or burn the
      // attempts of) a login in the victim's browser, so this is CSRF-checked like login.
      await enforceCsrf(req, config, { body: "latchkey", tokenOptional: config.compat.loginWithoutCsrfToken });
    } else {
      // A token login carries no ambient credential; a page on an untrusted origin is still refused.
      const originError = checkOrigin(req, config);
      if (originError !== null) throw originError;
    }
    const pending = await readPendingLogin(engine, req, fields);
    const code = requiredField(fields, ["code"], 64, "Please provide code.");
    const userId = pending.record.userId;
    await countSecondFactorAttempt(engine, userId, pending.record.tokenHash);
    const method = await useSecondFactorCode(engine, userId, code);
    if (method === null) {
      engine.world.logger.warn({ event: "mfa_failed", userId }, "second factor refused");
      throw new HttpError("mfa_code_invalid");
    }
    return completePendingLogin(engine, req, pending);
  },
};
