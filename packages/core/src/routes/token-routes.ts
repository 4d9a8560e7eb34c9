import { checkOrigin } from "../csrf/origin-check.js";
import { HttpError } from "../errors.js";
import { authenticate } from "../http/authenticate.js";
import { bodyFields, readBody, stringField } from "../http/body.js";
import { clientIp } from "../http/request-info.js";
import type { LatchkeyRequest } from "../http/request.js";
import type { Engine } from "../engine.js";
import type { Auth } from "../http/authenticate.js";
import { renderUser } from "../users/user-json.js";
import { requireSecondFactor } from "../mfa/mfa-guard.js";
import { attemptLogin } from "./attempt-login.js";
import { completeTokenLogin } from "./complete-login.js";
import { refuseUnverified } from "./account-guards.js";
import { loginCredentials } from "./credentials-input.js";
import type { RouteDefinition } from "./route-definition.js";
import { respond } from "./respond.js";
import { detailSchema, errorSchema, tokenLoginRequestSchema, tokenLoginResponseSchema } from "./schemas.js";
import { mfaRequiredSchema } from "../mfa/mfa-schemas.js";

/** Longest device label kept with a bearer token. */
const MAX_LABEL = 100;

async function requireBearer(engine: Engine, req: LatchkeyRequest): Promise<Auth> {
  const result = await authenticate(engine, req);
  if (result.auth === null || result.auth.via !== "bearer") throw new HttpError("not_authenticated");
  return result.auth;
}

export const tokenLoginRoute: RouteDefinition = {
  name: "tokenLogin",
  methods: ["POST"],
  summary: "Log in for a bearer token",
  description:
    "For clients that are not browsers (mobile apps, scripts, cross-domain consumers): checks credentials and returns an opaque token, one per device. Only the token's hash is stored. Send it as `Authorization: Bearer <token>` (or `Token <token>`); such requests need no CSRF token. Throttled like login.",
  security: ["basic"],
  csrf: false,
  requestBody: tokenLoginRequestSchema,
  responses: {
    200: { description: "The token. Shown once.", schema: tokenLoginResponseSchema },
    400: { description: "Missing or invalid credentials, or a malformed body.", schema: errorSchema },
    401: {
      description:
        "The password is right but the user has a second factor (`code: mfa_required`, with `methods` and an `mfaToken` to send to `POST /mfa/authenticate/` with the code).",
      schema: mfaRequiredSchema,
    },
    403: { description: "Sent by a browser page on an untrusted origin.", schema: errorSchema },
    429: { description: "Too many failed attempts, or too many checks at once; see Retry-After.", schema: errorSchema },
  },
  async handle(engine, req) {
    const { config } = engine;
    // No cookie is involved, so there is no CSRF token to check; a browser page on an
    // untrusted origin is still refused, as for every other credentialed cross-origin call.
    const originError = checkOrigin(req, config);
    if (originError !== null) throw originError;
    const body = await readBody(req, config.maxBodyBytes);
    const { username, password } = loginCredentials(engine, req, body);
    const label = stringField(bodyFields(body), "label", MAX_LABEL) ?? null;
    const user = await attemptLogin(engine, req, username, password);
    await refuseUnverified(engine, req, user);
    // A user with a second factor gets 401 mfa_required with an `mfaToken`, no token yet.
    await requireSecondFactor(engine, req, user, { kind: "bearer", label });
    return completeTokenLogin(engine, req, user, label);
  },
};

export const tokenLogoutRoute: RouteDefinition = {
  name: "tokenLogout",
  methods: ["POST"],
  summary: "Revoke this bearer token",
  description: "Ends the bearer token the request was made with.",
  security: ["bearer"],
  csrf: false,
  responses: {
    200: { description: "Token revoked.", schema: detailSchema },
    401: { description: "No valid bearer token.", schema: errorSchema },
  },
  async handle(engine, req) {
    const auth = await requireBearer(engine, req);
    await engine.sessions.invalidateSession(auth.session.id);
    engine.world.logger.info(
      { event: "token_logout", userId: String(auth.user.id), sessionId: auth.session.id },
      "bearer token revoked",
    );
    return respond(200, { detail: "Successfully logged out." });
  },
};

export const tokenLogoutAllRoute: RouteDefinition = {
  name: "tokenLogoutAll",
  methods: ["POST"],
  summary: "Revoke all of the user's bearer tokens",
  description: "Ends every bearer token of the user (every device). Browser sessions are not affected.",
  security: ["bearer"],
  csrf: false,
  responses: {
    200: { description: "Tokens revoked.", schema: detailSchema },
    401: { description: "No valid bearer token.", schema: errorSchema },
  },
  async handle(engine, req) {
    const auth = await requireBearer(engine, req);
    const count = await engine.sessions.invalidateUserSessions(String(auth.user.id), { kind: "bearer" });
    engine.world.logger.info(
      { event: "token_logout_all", userId: String(auth.user.id), tokensEnded: count },
      "all bearer tokens revoked",
    );
    return respond(200, { detail: `Successfully logged out of ${count} device${count === 1 ? "" : "s"}.` });
  },
};
