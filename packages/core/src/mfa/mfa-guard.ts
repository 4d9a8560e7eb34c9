import type { Engine } from "../engine.js";
import { HttpError } from "../errors.js";
import type { LatchkeyRequest } from "../http/request.js";
import type { MfaStore } from "../ports/mfa-store.js";
import type { User } from "../ports/user-store.js";
import { storeCall } from "../store-call.js";
import { startPendingLogin } from "./pending-login.js";
import { createSecretBox, type SecretBox } from "./secret-box.js";

/** A second factor a pending login can be finished with. */
export type SecondFactorMethod = "totp" | "webauthn" | "recovery_code";

/** The MfaStore, when the second-factor routes are served; else 404. */
export function mfaStoreOf(engine: Engine): MfaStore {
  const store = engine.world.stores.mfa;
  if (!engine.config.mfa.enabled || store === undefined) throw new HttpError("not_found");
  return store;
}

/** Seals and opens TOTP secrets with the configured keys. */
export function secretBoxOf(engine: Engine): SecretBox {
  return createSecretBox(engine.world.mfaKeys, engine.world.random);
}

/** Whether the user has a confirmed TOTP authenticator. */
export async function hasActiveTotp(engine: Engine, userId: string): Promise<boolean> {
  const store = engine.world.stores.mfa;
  if (store === undefined) return false;
  const record = await storeCall("mfa", () => store.getTotp(userId));
  return record?.confirmed === true;
}

/**
 * Whether the user can finish a login with a passkey: passkeys are on, the second-factor
 * passkey route is served, and the user has registered at least one.
 */
export async function hasPasskeyFactor(engine: Engine, userId: string): Promise<boolean> {
  const passkeys = engine.world.stores.passkeys;
  if (!engine.config.passkeys.enabled || passkeys === undefined || engine.config.routes.mfaWebauthnOptions.length === 0)
    return false;
  const list = await storeCall("passkey", () => passkeys.listCredentials(userId));
  return list.length > 0;
}

/**
 * The second factors the user can log in with, empty when they have none (their login is
 * password-only, exactly as before MFA existed): `totp` for a confirmed authenticator app,
 * `webauthn` for a registered passkey. Recovery codes count only beside an active factor:
 * they are the way back to it, not a factor of their own.
 */
export async function secondFactorMethods(engine: Engine, userId: string): Promise<SecondFactorMethod[]> {
  const store = engine.world.stores.mfa;
  if (!engine.config.mfa.enabled || store === undefined) return [];
  const methods: SecondFactorMethod[] = [];
  if (await hasActiveTotp(engine, userId)) methods.push("totp");
  if (await hasPasskeyFactor(engine, userId)) methods.push("webauthn");
  if (methods.length === 0) return [];
  const remaining = await storeCall("mfa", () => store.countRecoveryCodes(userId));
  if (remaining > 0) methods.push("recovery_code");
  return methods;
}

/**
 * After a correct password: a user with a second factor gets no session. Throws 401
 * `mfa_required` with the methods and a new pending login (an HttpOnly cookie for a cookie
 * login, an `mfaToken` in the body for a token login). Returns for users without one.
 */
export async function requireSecondFactor(
  engine: Engine,
  req: LatchkeyRequest,
  user: User,
  login: { kind: "cookie" | "bearer"; label: string | null },
): Promise<void> {
  const methods = await secondFactorMethods(engine, String(user.id));
  if (methods.length === 0) return;
  const pending = await startPendingLogin(engine, req, String(user.id), login);
  engine.world.logger.info(
    { event: "mfa_required", userId: String(user.id), kind: login.kind },
    "password accepted; second factor required",
  );
  throw new HttpError(
    "mfa_required",
    {},
    { cookies: pending.cookies, fields: { methods, ...(login.kind === "bearer" ? { mfaToken: pending.token } : {}) } },
  );
}
