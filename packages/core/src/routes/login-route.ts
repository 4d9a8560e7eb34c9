import { enforceCsrf } from "../csrf/csrf-guard.js";
import { issueCsrf } from "../csrf/csrf-issue.js";
import { sessionCookie } from "../cookies/cookie-policy.js";
import { readBodyOnce } from "../http/body.js";
import { readCredential } from "../http/credentials.js";
import { clientIp } from "../http/request-info.js";
import { renderUser } from "../users/user-json.js";
import { storeCall } from "../store-call.js";
import { forgetImportedSession, isDjangoSessionKey } from "../sessions/imported-session.js";
import { attemptLogin } from "./attempt-login.js";
import { refuseUnverified } from "./account-guards.js";
import { loginCredentials } from "./credentials-input.js";
import type { RouteDefinition } from "./route-definition.js";
import { respond } from "./respond.js";
import { errorSchema, loginRequestSchema, loginResponseSchema } from "./schemas.js";

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
    400: { description: "Missing or invalid credentials (one answer for unknown user, wrong password and inactive user), or a malformed body.", schema: errorSchema },
    403: { description: "CSRF check failed.", schema: errorSchema },
    413: { description: "Body too large.", schema: errorSchema },
    415: { description: "Body is neither JSON nor form-encoded.", schema: errorSchema },
    429: { description: "Too many failed attempts for this account or client, or too many checks of theirs at once; see Retry-After.", schema: errorSchema },
  },
  async handle(engine, req) {
    const { config } = engine;
    await enforceCsrf(req, config, { body: "latchkey", tokenOptional: config.compat.loginWithoutCsrfToken });
    const body = await readBodyOnce(req, config.maxBodyBytes);
    const { username, password } = loginCredentials(engine, req, body);
    const user = await attemptLogin(engine, req, username, password);
    await refuseUnverified(engine, req, user);

    // Session fixation: whatever session the browser brought is ended, and the new session
    // gets a fresh token the server generated; a token planted by an attacker is never adopted.
    const previous = readCredential(req, config);
    if (previous.via === "cookie" && isDjangoSessionKey(previous.token)) {
      await forgetImportedSession(engine, previous.token);
    } else if (previous.via === "cookie") {
      const old = await engine.sessions.validateSessionToken(previous.token, "cookie");
      if (old !== null) await engine.sessions.invalidateSession(old.session.id);
    }
    const { token, session } = await engine.sessions.createSession(String(user.id), "cookie", {
      ip: clientIp(req, config),
      userAgent: req.header("user-agent") ?? null,
    });
    const now = engine.world.clock.now();
    const updated = await storeCall("user", () => engine.world.stores.users.updateUser(String(user.id), { lastLogin: now }));
    // Only the last-login time changed: other processes' cached copies of the user may show
    // the old one for a moment, so a bus hiccup must not fail the login.
    await engine.sessions.userChanged(String(user.id), { bestEffort: true });
    const csrf = issueCsrf(engine, req, { rotate: true });
    engine.world.logger.info({ event: "login", userId: String(user.id), sessionId: session.id, ip: session.ip }, "user logged in");
    const rendered = renderUser(updated ?? user, config.userShape);
    return respond(
      200,
      config.loginResponse === "user" ? rendered : { detail: "Successfully logged in.", user: rendered },
      { cookies: [sessionCookie(req, config, token, session.expiresAt, now), ...csrf.cookies], headers: { [config.csrf.headerName]: csrf.token } },
    );
  },
};
