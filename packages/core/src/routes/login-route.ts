import { enforceCsrf } from "../csrf/csrf-guard.js";
import { readBodyOnce } from "../http/body.js";
import { requireSecondFactor } from "../mfa/mfa-guard.js";
import { attemptLogin } from "./attempt-login.js";
import { completeCookieLogin } from "./complete-login.js";
import { refuseUnverified } from "./account-guards.js";
import { loginCredentials } from "./credentials-input.js";
import type { RouteDefinition } from "./route-definition.js";
import { errorSchema, loginRequestSchema, loginResponseSchema } from "./schemas.js";
import { mfaRequiredSchema } from "../mfa/mfa-schemas.js";

export const loginRoute: RouteDefinition = {
  name: "login",
  methods: ["POST"],
  summary: "Log in",
  description:
    "Checks username and password (JSON or form body, or `Authorization: Basic`) and starts a new session: a new `sessionid` cookie and a new CSRF token (cookie and `X-CSRFToken` header). CSRF-protected, so a hostile page cannot log the browser into the attacker's account (login CSRF). Any session the request carried is ended first (no session fixation).",
  security: ["basic"],
  csrf: true,
  requestBody: loginRequestSchema,
  responses: {
    200: { description: "Logged in.", schema: loginResponseSchema, headers: ["csrfToken", "setCookie"] },
    400: {
      description:
        "Missing or invalid credentials (one answer for unknown user, wrong password and inactive user), or a malformed body.",
      schema: errorSchema,
    },
    401: {
      description:
        "The password is right but the user has a second factor (`code: mfa_required`, with `methods`): no session; a short-lived HttpOnly pending-login cookie is set for `POST /mfa/authenticate/`.",
      schema: mfaRequiredSchema,
      headers: ["setCookie"],
    },
    403: { description: "CSRF check failed.", schema: errorSchema },
    413: { description: "Body too large.", schema: errorSchema },
    415: { description: "Body is neither JSON nor form-encoded.", schema: errorSchema },
    429: {
      description:
        "Too many failed attempts for this account or client, or too many checks of theirs at once; see Retry-After.",
      schema: errorSchema,
    },
  },
  async handle(engine, req) {
    const { config } = engine;
    await enforceCsrf(req, config, { body: "latchkey", tokenOptional: config.compat.loginWithoutCsrfToken });
    const body = await readBodyOnce(req, config.maxBodyBytes);
    const { username, password } = loginCredentials(engine, req, body);
    const user = await attemptLogin(engine, req, username, password);
    await refuseUnverified(engine, req, user);

    // A user with a second factor gets 401 mfa_required and a pending login, no session.
    await requireSecondFactor(engine, req, user, { kind: "cookie", label: null });
    return completeCookieLogin(engine, req, user);
  },
};
