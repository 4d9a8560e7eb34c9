import { accountKeyHash } from "../accounts/account-key.js";
import { emailKey, isPlausibleEmail, MAX_EMAIL_LENGTH } from "../accounts/account-lifecycle.js";
import { HttpError } from "../errors.js";
import { bodyFields, readBodyOnce } from "../http/body.js";
import { clientIp } from "../http/request-info.js";
import { storeCall } from "../store-call.js";
import { ipThrottleKey } from "../throttle/ip-key.js";
import {
  acceptAddressedMail,
  lifecycleOf,
  readAnonymousBody,
  requiredField,
  requireFresh,
  requireSignedIn,
  throttleOr429,
} from "./account-guards.js";
import { acceptedSchema, emailRequestSchema, keyRequestSchema, verifiedSchema } from "./account-schemas.js";
import type { RouteDefinition } from "./route-definition.js";
import { respond } from "./respond.js";
import { errorSchema } from "./schemas.js";

/** Longest value read as a key; real keys are 43 characters. */
const MAX_KEY_LENGTH = 256;

export const emailVerifyRoute: RouteDefinition = {
  name: "emailVerify",
  methods: ["POST"],
  summary: "Verify an email address",
  description:
    "Takes the key from a verification or email-change link. A verification key marks the user's address verified (only while it is still the address the key was sent to); an email-change key makes its address, and only that one, the user's address. Keys are single-use (even under simultaneous requests) and expire; a bad, used or expired key gets one and the same 400 `key_invalid`.",
  security: [],
  csrf: true,
  requestBody: keyRequestSchema,
  responses: {
    200: { description: "Address verified (or changed).", schema: verifiedSchema },
    400: { description: "Bad, used or expired key (`key_invalid`), or a malformed body.", schema: errorSchema },
    403: { description: "CSRF check failed.", schema: errorSchema },
  },
  async handle(engine, req) {
    const lifecycle = lifecycleOf(engine);
    const { world } = engine;
    const fields = await readAnonymousBody(engine, req);
    const key = requiredField(fields, ["key"], MAX_KEY_LENGTH, "Please provide key.");
    const hash = accountKeyHash(key);
    if (hash === null) throw new HttpError("key_invalid");
    const now = world.clock.now();
    const record =
      (await storeCall("account", () => lifecycle.store.consumeKey(hash, "verify_email", now))) ??
      (await storeCall("account", () => lifecycle.store.consumeKey(hash, "change_email", now)));
    if (record === null) throw new HttpError("key_invalid");
    const user = await storeCall("user", () => world.stores.users.getUserById(record.userId));
    if (user === null || !user.isActive) throw new HttpError("key_invalid");
    if (record.purpose === "verify_email") {
      // The key proves receipt of mail at the address it was sent to, nothing more: after an
      // address change it verifies nothing.
      if (emailKey(user.email) !== emailKey(record.email)) throw new HttpError("key_invalid");
    } else {
      const users = world.stores.users;
      const holder = await storeCall("user", async () =>
        users.getUserByEmail === undefined ? null : users.getUserByEmail(record.email),
      );
      if (holder !== null && String(holder.id) !== String(user.id)) throw new HttpError("key_invalid");
      await engine.accounts.updateUser(String(user.id), { email: record.email });
      // Other pending changes and resets were sent for the old state: they die.
      await storeCall("account", () => lifecycle.store.deleteUserKeys(String(user.id), "change_email"));
      await storeCall("account", () => lifecycle.store.deleteUserKeys(String(user.id), "reset_password"));
    }
    await storeCall("account", () => lifecycle.store.markEmailVerified(String(user.id), emailKey(record.email)));
    world.logger.info(
      { event: record.purpose === "verify_email" ? "email_verified" : "email_changed", userId: String(user.id) },
      "email address verified",
    );
    return respond(200, { detail: "Email address verified.", email: record.email });
  },
};

const RESEND_ACCEPTED = { detail: "If this address is waiting to be confirmed, a new link is on its way." } as const;

export const emailVerifyResendRoute: RouteDefinition = {
  name: "emailVerifyResend",
  methods: ["POST"],
  summary: "Send the verification link again",
  description:
    "Always 202 with the same body: whether the address is known, unverified, or over its per-address limit is not revealed (the mail is queued after the answer, never sent inline). Over the per-client-IP limit: 429.",
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
    await acceptAddressedMail(engine, req, "resend_verification", async (user, lifecycle) => {
      if (await lifecycle.isVerified(user)) return;
      await lifecycle.issueKey(req, { user, purpose: "verify_email", email: user.email, message: "verifyEmail" });
    });
    return respond(202, RESEND_ACCEPTED);
  },
};

export const emailChangeRoute: RouteDefinition = {
  name: "emailChange",
  methods: ["POST"],
  summary: "Change the email address",
  description:
    "Needs a fresh session (logged in or re-authenticated within the window, else 403 `reauthentication_required`). Sends a link to the new address and a notice to the old one; the address changes when the link's key is posted to the verification route. 202 whether or not the new address is taken (then no mail).",
  security: ["cookie", "bearer"],
  csrf: true,
  requestBody: emailRequestSchema,
  responses: {
    202: { description: "Link queued.", schema: acceptedSchema },
    400: { description: "Missing or malformed address, or the current address.", schema: errorSchema },
    401: { description: "Not logged in.", schema: errorSchema },
    403: { description: "CSRF check failed, or re-authentication required.", schema: errorSchema },
    429: { description: "Too many requests; see Retry-After.", schema: errorSchema },
  },
  async handle(engine, req) {
    const lifecycle = lifecycleOf(engine);
    const { auth } = await requireSignedIn(engine, req);
    await requireFresh(engine, auth);
    const fields = bodyFields(await readBodyOnce(req, engine.config.maxBodyBytes));
    const email = requiredField(fields, ["email"], MAX_EMAIL_LENGTH, "Please provide email.").trim();
    if (!isPlausibleEmail(email)) throw new HttpError("email_invalid");
    if (emailKey(email) === emailKey(auth.user.email))
      throw new HttpError("invalid_body", { reason: "This is already your address." });
    await throttleOr429(engine, "mailPerIp", ipThrottleKey(clientIp(req, engine.config)));
    const user = auth.user;
    lifecycle.background("email_change", async () => {
      if ((await engine.accountThrottle.hit("mailPerAddress", emailKey(email))) !== null) return;
      const users = engine.world.stores.users;
      const holder = users.getUserByEmail === undefined ? null : await users.getUserByEmail(email);
      if (holder !== null) return;
      await lifecycle.issueKey(req, { user, purpose: "change_email", email, message: "confirmEmailChange" });
      if (user.email !== "") await lifecycle.notify(req, user, user.email, "emailChangeNotice", email);
    });
    return respond(202, { detail: "Check the new address: we sent it a link to confirm the change." });
  },
};
