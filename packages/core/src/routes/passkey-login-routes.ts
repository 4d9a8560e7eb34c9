import { authenticationCredential } from "../passkeys/credential-input.js";
import { authenticationOptions, verifyPasskeyAssertion } from "../passkeys/passkey-assertion.js";
import { HttpError } from "../errors.js";
import { throttleLoginOptions } from "../passkeys/passkey-throttle.js";
import { storeCall } from "../store-call.js";
import { renderUser } from "../users/user-json.js";
import { readAnonymousBody, refuseUnverified, startCookieSession } from "./account-guards.js";
import { passkeyContext } from "./passkey-routes.js";
import { passkeyLoginRequestSchema, requestOptionsSchema } from "./passkey-schemas.js";
import type { RouteDefinition } from "./route-definition.js";
import { respond } from "./respond.js";
import { errorSchema, loginResponseSchema } from "./schemas.js";

export const passkeyLoginOptionsRoute: RouteDefinition = {
  name: "webauthnLoginOptions",
  methods: ["POST"],
  summary: "Start a passwordless login",
  description:
    "Answers the options for `navigator.credentials.get()` with a single-use, expiring challenge and no list of credentials: the browser offers the passkeys it holds for this site, and the answer says nothing about which accounts exist. CSRF-protected like login.",
  security: [],
  csrf: true,
  responses: {
    200: { description: "Request options.", schema: requestOptionsSchema },
    403: { description: "CSRF check failed.", schema: errorSchema },
    429: {
      description: "Too many login starts from this client (`passkeys.loginOptionsPerIp`); see Retry-After.",
      schema: errorSchema,
    },
  },
  async handle(engine, req) {
    const context = passkeyContext(engine);
    await readAnonymousBody(engine, req);
    await throttleLoginOptions(engine, req);
    return respond(200, await authenticationOptions(context, { purpose: "login" }));
  },
};

export const passkeyLoginRoute: RouteDefinition = {
  name: "webauthnLogin",
  methods: ["POST"],
  summary: "Log in with a passkey",
  description:
    "Verifies the browser's answer (challenge, origin, RP ID, signature, user verification, sign counter) and logs its owner in exactly like `POST /login/`: a new session cookie (any session the request carried ends first), a new CSRF token, `lastLogin` updated. CSRF-protected, so a hostile page cannot log the browser into the attacker's account (login CSRF).",
  security: [],
  csrf: true,
  requestBody: passkeyLoginRequestSchema,
  responses: {
    200: { description: "Logged in.", schema: loginResponseSchema, headers: ["csrfToken", "setCookie"] },
    400: {
      description:
        "Malformed body; `webauthn_challenge_invalid` (unknown, used or expired challenge); `passkey_invalid` (one answer for an unknown passkey, a failed check, and an inactive user).",
      schema: errorSchema,
    },
    403: { description: "CSRF check failed; `email_unverified`.", schema: errorSchema },
  },
  async handle(engine, req) {
    const context = passkeyContext(engine);
    const { config, world } = engine;
    const credential = authenticationCredential(await readAnonymousBody(engine, req));
    const passkey = await verifyPasskeyAssertion(context, credential, { purpose: "login" });
    const user = await storeCall("user", () => world.stores.users.getUserById(passkey.userId));
    // A deactivated account stays locked out whatever it proves; the answer is the same as for an unknown passkey.
    if (user === null || !user.isActive) {
      world.logger.warn(
        { event: "passkey_login_refused", userId: passkey.userId, reason: "inactive or deleted user" },
        "passkey login refused",
      );
      throw new HttpError("passkey_invalid");
    }
    await refuseUnverified(engine, req, user);
    // Session fixation and CSRF: the session the browser brought ends, a new one and a new CSRF token are issued.
    const started = await startCookieSession(engine, req, user);
    const now = world.clock.now();
    const updated = await storeCall("user", () => world.stores.users.updateUser(String(user.id), { lastLogin: now }));
    await engine.sessions.userChanged(String(user.id), { bestEffort: true });
    world.logger.info(
      { event: "login", method: "passkey", userId: String(user.id), passkeyId: passkey.id },
      "user logged in with a passkey",
    );
    const rendered = renderUser(updated ?? user, config.userShape);
    return respond(
      200,
      config.loginResponse === "user" ? rendered : { detail: "Successfully logged in.", user: rendered },
      started,
    );
  },
};
