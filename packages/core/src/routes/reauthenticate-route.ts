import { clearSessionCookie } from "../cookies/cookie-policy.js";
import { HttpError } from "../errors.js";
import { bodyFields, readBodyOnce } from "../http/body.js";
import { storeCall } from "../store-call.js";
import { attemptLogin } from "./attempt-login.js";
import { lifecycleOf, requiredField, requireFresh, requireSignedIn } from "./account-guards.js";
import { passwordRequestSchema, reauthenticateResponseSchema } from "./account-schemas.js";
import type { RouteDefinition } from "./route-definition.js";
import { respond } from "./respond.js";
import { detailSchema, errorSchema } from "./schemas.js";

export const reauthenticateRoute: RouteDefinition = {
  name: "reauthenticate",
  methods: ["POST"],
  summary: "Confirm the password again",
  description:
    "Makes the session fresh for the re-authentication window (5 minutes by default), as sensitive routes (email change, account deletion) require. A wrong password is 400 `reauthentication_failed` and the session stays; attempts are throttled like login.",
  security: ["cookie", "bearer"],
  csrf: true,
  requestBody: passwordRequestSchema,
  responses: {
    200: { description: "The session is fresh.", schema: reauthenticateResponseSchema },
    400: { description: "Wrong password, or a malformed body.", schema: errorSchema },
    401: { description: "Not logged in.", schema: errorSchema },
    403: { description: "CSRF check failed.", schema: errorSchema },
    429: { description: "Too many wrong passwords; see Retry-After.", schema: errorSchema },
  },
  async handle(engine, req) {
    const lifecycle = lifecycleOf(engine);
    const { config, world } = engine;
    const { auth, cookies } = await requireSignedIn(engine, req);
    const fields = bodyFields(await readBodyOnce(req, config.maxBodyBytes));
    const password = requiredField(fields, ["password"], config.passwords.maxLength, "Please provide password.");
    const user = await attemptLogin(engine, req, auth.user.username, password, "reauthentication_failed");
    if (String(user.id) !== String(auth.user.id)) throw new HttpError("reauthentication_failed");
    const now = world.clock.now();
    await storeCall("account", () => lifecycle.store.setSessionFreshAt(auth.session.id, now));
    const freshUntil = new Date(now + config.accounts.reauthenticationWindowSeconds * 1000).toISOString();
    return respond(200, { detail: "Password confirmed.", freshUntil }, { cookies });
  },
};

export const accountDeleteRoute: RouteDefinition = {
  name: "accountDelete",
  methods: ["POST"],
  summary: "Delete the account",
  description:
    "Needs a fresh session (else 403 `reauthentication_required`). Removes the user, their keys and verified addresses, ends every session and bearer token, and clears the session cookie.",
  security: ["cookie", "bearer"],
  csrf: true,
  responses: {
    200: { description: "Account deleted.", schema: detailSchema },
    401: { description: "Not logged in.", schema: errorSchema },
    403: { description: "CSRF check failed, or re-authentication required.", schema: errorSchema },
  },
  async handle(engine, req) {
    const lifecycle = lifecycleOf(engine);
    const { world, config } = engine;
    const { auth } = await requireSignedIn(engine, req);
    await requireFresh(engine, auth);
    const userId = String(auth.user.id);
    const users = world.stores.users;
    if (users.deleteUser === undefined) throw new HttpError("not_found");
    const remove = users.deleteUser.bind(users);
    // The user row goes first: from that moment no session of theirs validates anywhere,
    // even before the sessions themselves are deleted.
    await storeCall("user", () => remove(userId));
    await storeCall("account", () => lifecycle.store.deleteUserData(userId));
    const passkeys = world.stores.passkeys;
    if (passkeys !== undefined) await storeCall("passkey", () => passkeys.deleteUserCredentials(userId));
    const mfa = world.stores.mfa;
    if (mfa !== undefined) await storeCall("mfa", () => mfa.deleteUserFactors(userId));
    const ended = await engine.sessions.invalidateUserSessions(userId);
    world.logger.info(
      { event: "account_deleted", userId, sessionsEnded: ended },
      "account deleted; every session ended",
    );
    const cookies = auth.via === "cookie" ? [clearSessionCookie(req, config, world.clock.now())] : [];
    return respond(200, { detail: "Your account has been deleted." }, { cookies });
  },
};
