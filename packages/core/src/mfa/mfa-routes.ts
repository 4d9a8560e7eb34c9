import type { Engine } from "../engine.js";
import { HttpError } from "../errors.js";
import { bodyFields, readBodyOnce } from "../http/body.js";
import type { LatchkeyRequest } from "../http/request.js";
import type { User } from "../ports/user-store.js";
import { lifecycleOf, requiredField, requireFresh, requireSignedIn } from "../routes/account-guards.js";
import type { RouteDefinition } from "../routes/route-definition.js";
import { respond } from "../routes/respond.js";
import { detailSchema, errorSchema } from "../routes/schemas.js";
import { storeCall } from "../store-call.js";
import { mfaStoreOf, secretBoxOf } from "./mfa-guard.js";
import {
  codeRequestSchema,
  mfaStatusSchema,
  recoveryCodesResponseSchema,
  totpConfirmResponseSchema,
  totpSetupSchema,
} from "./mfa-schemas.js";
import { countSecondFactorAttempt, resetSecondFactorAttempts } from "./mfa-throttle.js";
import { generateRecoveryCodes } from "./recovery-codes.js";
import { matchTotpStep, newTotpSecret, totpQrSvg, totpSecretBase32, totpUrl } from "./totp.js";

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** The user's passkeys, from the passkey store when there is one (its routes are another module's). */
async function listPasskeys(engine: Engine, userId: string) {
  const passkeys = engine.world.stores.passkeys;
  if (passkeys === undefined) return [];
  const list = await storeCall("mfa", () => passkeys.listCredentials(userId));
  return list.map((p) => ({
    id: p.id,
    name: p.name,
    createdAt: iso(p.createdAt) ?? "",
    lastUsedAt: iso(p.lastUsedAt),
  }));
}

/** Mails the user a notice that a factor changed (queued in the outbox; users without an address get none). */
async function notice(
  engine: Engine,
  req: LatchkeyRequest,
  user: User,
  message: "totpEnabledNotice" | "totpRemovedNotice",
): Promise<void> {
  if (user.email === "") return;
  await lifecycleOf(engine).notify(req, user, user.email, message, user.email);
}

/** Replaces the user's recovery codes by a new set and resolves to the codes, shown once. */
async function newRecoveryCodes(engine: Engine, userId: string): Promise<string[]> {
  const { codes, hashes } = generateRecoveryCodes(engine.world.random);
  await storeCall("mfa", () => mfaStoreOf(engine).replaceRecoveryCodes(userId, hashes, engine.world.clock.now()));
  return codes;
}

const signedInResponses = {
  401: { description: "Not logged in.", schema: errorSchema },
  403: {
    description: "CSRF check failed, or re-authentication required (`reauthentication_required`).",
    schema: errorSchema,
  },
};

export const mfaStatusRoute: RouteDefinition = {
  name: "mfa",
  methods: ["GET"],
  summary: "Your second factors",
  description: "Whether an authenticator app (TOTP) is active, how many recovery codes are left, and the passkeys.",
  security: ["cookie", "bearer"],
  csrf: false,
  responses: { 200: { description: "The factors.", schema: mfaStatusSchema }, 401: signedInResponses[401] },
  async handle(engine, req) {
    const store = mfaStoreOf(engine);
    const { auth, cookies } = await requireSignedIn(engine, req);
    const userId = String(auth.user.id);
    const totp = await storeCall("mfa", () => store.getTotp(userId));
    const remaining = await storeCall("mfa", () => store.countRecoveryCodes(userId));
    return respond(
      200,
      { totp: totp?.confirmed === true, recoveryCodes: { remaining }, passkeys: await listPasskeys(engine, userId) },
      { cookies },
    );
  },
};

export const mfaTotpSetupRoute: RouteDefinition = {
  name: "mfaTotpSetup",
  methods: ["POST"],
  summary: "Start setting up an authenticator app",
  description:
    "Needs a fresh session. Returns a new secret, its `otpauth://` URL and a QR code (SVG). Nothing is active until `POST /mfa/totp/confirm/` gets a code from the app; a new setup replaces an unconfirmed one. With an app already active: 400 `mfa_totp_active`.",
  security: ["cookie", "bearer"],
  csrf: true,
  responses: {
    200: { description: "The secret to put into the app.", schema: totpSetupSchema },
    400: { description: "An authenticator app is already active.", schema: errorSchema },
    ...signedInResponses,
  },
  async handle(engine, req) {
    const store = mfaStoreOf(engine);
    const { auth, cookies } = await requireSignedIn(engine, req);
    await requireFresh(engine, auth);
    const userId = String(auth.user.id);
    const existing = await storeCall("mfa", () => store.getTotp(userId));
    if (existing?.confirmed === true) throw new HttpError("mfa_totp_active");
    const secret = newTotpSecret(engine.world.random);
    const sealedSecret = secretBoxOf(engine).seal(secret, userId);
    await storeCall("mfa", () =>
      store.saveTotp({
        userId,
        sealedSecret,
        confirmed: false,
        lastUsedStep: null,
        createdAt: engine.world.clock.now(),
      }),
    );
    const otpauthUrl = totpUrl(secret, engine.config.mfa.issuer, auth.user.username);
    return respond(
      200,
      { secret: totpSecretBase32(secret), otpauthUrl, qrSvg: await totpQrSvg(otpauthUrl) },
      { cookies },
    );
  },
};

export const mfaTotpConfirmRoute: RouteDefinition = {
  name: "mfaTotpConfirm",
  methods: ["POST"],
  summary: "Turn the authenticator app on",
  description:
    "Checks a code from the app set up by `POST /mfa/totp/setup/`; when it is right, TOTP is active and the user is notified by email. The first factor also returns 10 recovery codes, shown once. Attempts count on the user's second-factor throttle.",
  security: ["cookie", "bearer"],
  csrf: true,
  requestBody: codeRequestSchema,
  responses: {
    200: { description: "Active.", schema: totpConfirmResponseSchema },
    400: {
      description:
        "Wrong code (`mfa_code_invalid`), no setup started (`mfa_totp_not_pending`) or already active (`mfa_totp_active`).",
      schema: errorSchema,
    },
    ...signedInResponses,
    429: { description: "Too many attempts; see Retry-After.", schema: errorSchema },
  },
  async handle(engine, req) {
    const store = mfaStoreOf(engine);
    const { auth, cookies } = await requireSignedIn(engine, req);
    const userId = String(auth.user.id);
    const code = requiredField(
      bodyFields(await readBodyOnce(req, engine.config.maxBodyBytes)),
      ["code"],
      64,
      "Please provide code.",
    );
    const record = await storeCall("mfa", () => store.getTotp(userId));
    if (record === null) throw new HttpError("mfa_totp_not_pending");
    if (record.confirmed) throw new HttpError("mfa_totp_active");
    await countSecondFactorAttempt(engine, userId, null);
    const secret = secretBoxOf(engine).open(record.sealedSecret, userId);
    const step = secret === null ? null : matchTotpStep(secret, code.trim(), engine.world.clock.now());
    if (step === null || !(await storeCall("mfa", () => store.acceptTotpStep(userId, step, { confirm: true }))))
      throw new HttpError("mfa_code_invalid");
    await resetSecondFactorAttempts(engine, userId);
    const first = (await storeCall("mfa", () => store.countRecoveryCodes(userId))) === 0;
    const recoveryCodes = first ? await newRecoveryCodes(engine, userId) : undefined;
    await notice(engine, req, auth.user, "totpEnabledNotice");
    engine.world.logger.info({ event: "mfa_totp_enabled", userId }, "authenticator app turned on");
    return respond(
      200,
      { detail: "Authenticator app activated.", ...(recoveryCodes === undefined ? {} : { recoveryCodes }) },
      { cookies },
    );
  },
};

export const mfaTotpRoute: RouteDefinition = {
  name: "mfaTotp",
  methods: ["DELETE"],
  summary: "Remove the authenticator app",
  description:
    "Needs a fresh session. Removes the authenticator app and notifies the user by email. When no other factor is left, the recovery codes go too and login is password-only again.",
  security: ["cookie", "bearer"],
  csrf: true,
  responses: {
    200: { description: "Removed.", schema: detailSchema },
    ...signedInResponses,
    404: { description: "No authenticator app is active (`mfa_totp_not_active`).", schema: errorSchema },
  },
  async handle(engine, req) {
    const store = mfaStoreOf(engine);
    const { auth, cookies } = await requireSignedIn(engine, req);
    await requireFresh(engine, auth);
    const userId = String(auth.user.id);
    const record = await storeCall("mfa", () => store.getTotp(userId));
    if (record === null || !record.confirmed || !(await storeCall("mfa", () => store.deleteTotp(userId))))
      throw new HttpError("mfa_totp_not_active");
    if ((await listPasskeys(engine, userId)).length === 0)
      await storeCall("mfa", () => store.replaceRecoveryCodes(userId, [], engine.world.clock.now()));
    await notice(engine, req, auth.user, "totpRemovedNotice");
    engine.world.logger.info({ event: "mfa_totp_removed", userId }, "authenticator app removed");
    return respond(200, { detail: "Authenticator app removed." }, { cookies });
  },
};

export const mfaRecoveryCodesRoute: RouteDefinition = {
  name: "mfaRecoveryCodes",
  methods: ["POST"],
  summary: "New recovery codes",
  description:
    "Needs a fresh session and an active second factor. Returns a new set of 10 recovery codes, shown once; the old set stops working at once.",
  security: ["cookie", "bearer"],
  csrf: true,
  responses: {
    200: { description: "The new codes.", schema: recoveryCodesResponseSchema },
    400: { description: "No second factor is active (`mfa_not_enrolled`).", schema: errorSchema },
    ...signedInResponses,
  },
  async handle(engine, req) {
    const store = mfaStoreOf(engine);
    const { auth, cookies } = await requireSignedIn(engine, req);
    await requireFresh(engine, auth);
    const userId = String(auth.user.id);
    const totp = await storeCall("mfa", () => store.getTotp(userId));
    if (totp?.confirmed !== true && (await listPasskeys(engine, userId)).length === 0)
      throw new HttpError("mfa_not_enrolled");
    const recoveryCodes = await newRecoveryCodes(engine, userId);
    engine.world.logger.info({ event: "mfa_recovery_codes_regenerated", userId }, "recovery codes replaced");
    return respond(200, { recoveryCodes }, { cookies });
  },
};
