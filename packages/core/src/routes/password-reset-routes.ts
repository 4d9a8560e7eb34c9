import { accountKeyHash, passwordStamp } from "../accounts/account-key.js";
import { emailKey } from "../accounts/account-lifecycle.js";
import { constantTimeEqual } from "../encoding.js";
import { HttpError } from "../errors.js";
import { storeCall } from "../store-call.js";
import { acceptAddressedMail, lifecycleOf, readAnonymousBody, requiredField } from "./account-guards.js";
import { acceptedSchema, emailRequestSchema, resetConfirmRequestSchema } from "./account-schemas.js";
import type { RouteDefinition } from "./route-definition.js";
import { respond } from "./respond.js";
import { detailSchema, errorSchema } from "./schemas.js";

const RESET_ACCEPTED = {
  detail: "If an account uses this address, a link to reset its password is on its way.",
} as const;

export const passwordResetRoute: RouteDefinition = {
  name: "passwordReset",
  methods: ["POST"],
  summary: "Ask for a password-reset link",
  description:
    "Always 202 with the same body and about the same time, whether or not an account uses the address (no account enumeration): the lookup and the mail happen after the answer. Throttled per address (silently: the same 202, no mail) and per client IP (429).",
  security: [],
  csrf: true,
  requestBody: emailRequestSchema,
  responses: {
    202: { description: "Accepted. The same for every address.", schema: acceptedSchema },
    400: { description: "Missing or malformed address.", schema: errorSchema },
    403: { description: "CSRF check failed.", schema: errorSchema },
    429: { description: "Too many requests from this client; see Retry-After.", schema: errorSchema },
  },
  async handle(engine, req) {
    await acceptAddressedMail(engine, req, "password_reset", async (user, lifecycle) => {
      const { passwordHash, ...publicUser } = user;
      await lifecycle.issueKey(req, {
        user: publicUser,
        purpose: "reset_password",
        email: user.email,
        passwordHash,
        message: "resetPassword",
      });
    });
    return respond(202, RESET_ACCEPTED);
  },
};

export const passwordResetConfirmRoute: RouteDefinition = {
  name: "passwordResetConfirm",
  methods: ["POST"],
  summary: "Set a new password with a reset key",
  description:
    "Takes the key from a reset link and the new password. The key is single-use (even under simultaneous requests), expires (1 hour by default) and dies as soon as the password changes by any path. On success every session and bearer token of the user ends, so an attacker who had one is logged out. A refused password leaves the key usable.",
  security: [],
  csrf: true,
  requestBody: resetConfirmRequestSchema,
  responses: {
    200: { description: "Password reset; every session and token of the user ended.", schema: detailSchema },
    400: {
      description:
        "Bad, used or expired key (`key_invalid`), password refused (`password_invalid`), or a malformed body.",
      schema: errorSchema,
    },
    403: { description: "CSRF check failed.", schema: errorSchema },
  },
  async handle(engine, req) {
    const lifecycle = lifecycleOf(engine);
    const { config, world } = engine;
    const fields = await readAnonymousBody(engine, req);
    const missing = "Please provide key and new_password.";
    const key = requiredField(fields, ["key"], 256, missing);
    const newPassword = requiredField(fields, ["new_password", "newPassword"], config.passwords.maxLength, missing);
    const hash = accountKeyHash(key);
    if (hash === null) throw new HttpError("key_invalid");
    const record = await storeCall("account", () =>
      lifecycle.store.consumeKey(hash, "reset_password", world.clock.now()),
    );
    if (record === null) throw new HttpError("key_invalid");
    const user = await storeCall("user", () => world.stores.users.getUserById(record.userId));
    // The key was issued under the password hash of that moment; any change since (another
    // reset, a password change, the CLI) kills it.
    if (
      user === null ||
      !user.isActive ||
      record.passwordStamp === null ||
      !constantTimeEqual(passwordStamp(user.passwordHash), record.passwordStamp)
    ) {
      throw new HttpError("key_invalid");
    }
    const problems = engine.accounts.passwordProblems(newPassword, user);
    if (problems.length > 0) {
      // The key was taken to check it; a refused password must not burn the user's link.
      await storeCall("account", () => lifecycle.store.createKey(record, null));
      throw new HttpError("password_invalid", { reason: problems.join(" ") });
    }
    const changed = await engine.accounts.setPassword(String(user.id), newPassword, { skipValidation: true });
    if (!changed.ok) throw new HttpError("key_invalid");
    await storeCall("account", () => lifecycle.store.deleteUserKeys(String(user.id), "reset_password"));
    // Opening the link proved the user receives mail there.
    if (emailKey(user.email) === emailKey(record.email))
      await storeCall("account", () => lifecycle.store.markEmailVerified(String(user.id), emailKey(record.email)));
    world.logger.info({ event: "password_reset", userId: String(user.id) }, "password reset; every session ended");
    return respond(200, { detail: "Your password has been reset. Log in with the new password." });
  },
};
