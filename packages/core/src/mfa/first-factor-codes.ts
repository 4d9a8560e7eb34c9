import type { Engine } from "../engine.js";
import { storeCall } from "../store-call.js";
import { hasActiveTotp } from "./mfa-guard.js";
import { generateRecoveryCodes } from "./recovery-codes.js";

/**
 * After a passkey is registered: when it is the user's first second factor (no recovery
 * codes yet, as `POST /mfa/totp/confirm/` decides for the first authenticator app), a new set
 * of recovery codes, shown once; else undefined. Without MFA (no MfaStore) a passkey is only
 * a passwordless login and there are no recovery codes.
 */
export async function recoveryCodesForFirstFactor(engine: Engine, userId: string): Promise<string[] | undefined> {
  const store = engine.world.stores.mfa;
  if (!engine.config.mfa.enabled || store === undefined || engine.config.routes.mfaWebauthnOptions.length === 0)
    return undefined;
  if ((await storeCall("mfa", () => store.countRecoveryCodes(userId))) > 0) return undefined;
  const { codes, hashes } = generateRecoveryCodes(engine.world.random);
  await storeCall("mfa", () => store.replaceRecoveryCodes(userId, hashes, engine.world.clock.now()));
  engine.world.logger.info(
    { event: "mfa_recovery_codes_issued", userId },
    "first second factor: recovery codes issued",
  );
  return codes;
}

/**
 * After a passkey is removed: when the user has no second factor left (no authenticator app,
 * no passkey), the recovery codes go too, as when the authenticator app is removed; a
 * recovery code is a way back to a factor, not a factor of its own.
 */
export async function dropRecoveryCodesWithoutFactor(
  engine: Engine,
  userId: string,
  passkeysLeft: number,
): Promise<void> {
  const store = engine.world.stores.mfa;
  if (!engine.config.mfa.enabled || store === undefined || passkeysLeft > 0) return;
  if (await hasActiveTotp(engine, userId)) return;
  await storeCall("mfa", () => store.replaceRecoveryCodes(userId, [], engine.world.clock.now()));
}
