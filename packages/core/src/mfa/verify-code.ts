import type { Engine } from "../engine.js";
import { storeCall } from "../store-call.js";
import type { SecondFactorMethod } from "./mfa-guard.js";
import { mfaStoreOf, secretBoxOf } from "./mfa-guard.js";
import { recoveryCodeHash } from "./recovery-codes.js";
import { looksLikeTotpCode, matchTotpStep } from "./totp.js";

/**
 * Checks a typed second-factor code of `userId` and uses it up: a 6-digit code against the
 * confirmed TOTP authenticator (its time step must be later than the last accepted, set by
 * the store's compare-and-set, so a code works once however many requests race with it),
 * anything else as a recovery code (deleted by the store, one winner). Resolves to the method
 * that matched, or null.
 */
export async function useSecondFactorCode(
  engine: Engine,
  userId: string,
  code: string,
): Promise<SecondFactorMethod | null> {
  const store = mfaStoreOf(engine);
  const { world } = engine;
  const typed = code.trim().replaceAll(" ", "");
  if (looksLikeTotpCode(typed)) {
    const record = await storeCall("mfa", () => store.getTotp(userId));
    if (record === null || !record.confirmed) return null;
    const secret = secretBoxOf(engine).open(record.sealedSecret, userId);
    if (secret === null) {
      // The key that sealed it is no longer configured (or the row was altered): the app's codes
      // cannot be checked. Recovery codes still work; the operator must restore the key.
      world.logger.error(
        { event: "mfa_secret_unreadable", userId },
        "a TOTP secret cannot be opened with the configured mfa.encryptionKeys",
      );
      return null;
    }
    const step = matchTotpStep(secret, typed, world.clock.now());
    if (step === null) return null;
    return (await storeCall("mfa", () => store.acceptTotpStep(userId, step, { confirm: false }))) ? "totp" : null;
  }
  const hash = recoveryCodeHash(typed);
  if (hash === null) return null;
  if (!(await storeCall("mfa", () => store.useRecoveryCode(userId, hash)))) return null;
  const remaining = await storeCall("mfa", () => store.countRecoveryCodes(userId));
  world.logger.warn({ event: "mfa_recovery_code_used", userId, remaining }, "a recovery code was used");
  return "recovery_code";
}
