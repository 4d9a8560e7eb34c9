import { enforceCsrf } from "../csrf/csrf-guard.js";
import { sessionCookie } from "../cookies/cookie-policy.js";
import { HttpError } from "../errors.js";
import { authenticate } from "../http/authenticate.js";
import { bodyFields, readBodyOnce, stringField } from "../http/body.js";
import { clientIp } from "../http/request-info.js";
import { attemptLogin } from "./attempt-login.js";
import type { RouteDefinition } from "./route-definition.js";
import { respond } from "./respond.js";
import { errorSchema, passwordChangeRequestSchema, passwordChangeResponseSchema } from "./schemas.js";

export const passwordChangeRoute: RouteDefinition = {
  name: "passwordChange",
  methods: ["POST"],
  summary: "Change the password",
  description:
    "Checks the current password, sets the new one, ends every other session and bearer token of the user, and gives the current session a new token (a new cookie, or `token` in the body for bearer requests).",
  security: ["cookie", "bearer"],
  csrf: true,
  requestBody: passwordChangeRequestSchema,
  responses: {
    200: { description: "Password changed.", schema: passwordChangeResponseSchema },
    400: {
      description: "Old password wrong, new password refused (the detail says why), or a malformed body.",
      schema: errorSchema,
    },
    401: { description: "Not logged in.", schema: errorSchema },
    403: { description: "CSRF check failed.", schema: errorSchema },
    413: { description: "Body too large.", schema: errorSchema },
    415: { description: "Body is neither JSON nor form-encoded.", schema: errorSchema },
    429: {
      description: "Too many wrong old passwords, or too many checks at once; see Retry-After.",
      schema: errorSchema,
    },
  },
  async handle(engine, req) {
    const { config } = engine;
    const result = await authenticate(engine, req);
    if (result.auth === null) throw new HttpError("not_authenticated");
    const { user, session, via } = result.auth;
    if (via === "cookie") await enforceCsrf(req, config, { body: "latchkey" });
    const fields = bodyFields(await readBodyOnce(req, config.maxBodyBytes));
    const oldPassword =
      stringField(fields, "old_password", config.passwords.maxLength) ??
      stringField(fields, "oldPassword", config.passwords.maxLength);
    const newPassword =
      stringField(fields, "new_password", config.passwords.maxLength) ??
      stringField(fields, "newPassword", config.passwords.maxLength);
    if (oldPassword === undefined || newPassword === undefined || oldPassword === "" || newPassword === "") {
      throw new HttpError("invalid_body", { reason: "Please provide old_password and new_password." });
    }
    await attemptLogin(engine, req, user.username, oldPassword, "password_incorrect");
    const problems = engine.accounts.passwordProblems(newPassword, user);
    if (problems.length > 0) throw new HttpError("password_invalid", { reason: problems.join(" ") });
    const changed = await engine.accounts.setPassword(String(user.id), newPassword, {
      keepSessionId: session.id,
      skipValidation: true,
    });
    if (!changed.ok) throw new HttpError("not_authenticated");
    // The session that asked survives the change, under a new token (the old one may be
    // what leaked and prompted the change).
    const rotated = await engine.sessions.rotateSession(session, {
      ip: clientIp(req, config),
      userAgent: req.header("user-agent") ?? null,
    });
    if (via === "bearer") return respond(200, { detail: "Password changed.", token: rotated.token });
    const now = engine.world.clock.now();
    return respond(
      200,
      { detail: "Password changed." },
      { cookies: [sessionCookie(req, config, rotated.token, rotated.session.expiresAt, now)] },
    );
  },
};
