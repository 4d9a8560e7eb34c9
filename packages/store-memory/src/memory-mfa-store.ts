import type { MfaStore, PendingLoginRecord, TotpRecord } from "@latchkey/core";

/**
 * An {@link MfaStore} in `Map`s, for tests and single-process development. Every method runs
 * to completion without awaiting, so each compare-and-set or consume is atomic in one process
 * (a step accepted or a code used by one call is seen by every later call). Nothing survives
 * a restart.
 */
export function memoryMfaStore(): MfaStore {
  const totp = new Map<string, TotpRecord>();
  const codes = new Map<string, Set<string>>();
  const pending = new Map<string, PendingLoginRecord>();

  return {
    async getTotp(userId: string): Promise<TotpRecord | null> {
      const record = totp.get(userId);
      return record === undefined ? null : { ...record };
    },
    async saveTotp(record: TotpRecord): Promise<void> {
      totp.set(record.userId, { ...record });
    },
    async acceptTotpStep(userId: string, step: number, options: { confirm: boolean }): Promise<boolean> {
      const record = totp.get(userId);
      if (record === undefined || (record.lastUsedStep !== null && record.lastUsedStep >= step)) return false;
      record.lastUsedStep = step;
      if (options.confirm) record.confirmed = true;
      return true;
    },
    async deleteTotp(userId: string): Promise<boolean> {
      return totp.delete(userId);
    },
    async replaceRecoveryCodes(userId: string, codeHashes: readonly string[]): Promise<void> {
      if (codeHashes.length === 0) codes.delete(userId);
      else codes.set(userId, new Set(codeHashes));
    },
    async useRecoveryCode(userId: string, codeHash: string): Promise<boolean> {
      return codes.get(userId)?.delete(codeHash) ?? false;
    },
    async countRecoveryCodes(userId: string): Promise<number> {
      return codes.get(userId)?.size ?? 0;
    },
    async savePendingLogin(record: PendingLoginRecord): Promise<void> {
      pending.set(record.tokenHash, { ...record });
    },
    async getPendingLogin(tokenHash: string, now: number): Promise<PendingLoginRecord | null> {
      const record = pending.get(tokenHash);
      return record === undefined || record.expiresAt <= now ? null : { ...record };
    },
    async consumePendingLogin(tokenHash: string, now: number): Promise<PendingLoginRecord | null> {
      const record = pending.get(tokenHash);
      if (record === undefined) return null;
      pending.delete(tokenHash);
      return record.expiresAt > now ? record : null;
    },
    async deleteExpiredPendingLogins(now: number): Promise<number> {
      let count = 0;
      for (const [hash, record] of pending) {
        if (record.expiresAt <= now) {
          pending.delete(hash);
          count += 1;
        }
      }
      return count;
    },
    async deleteUserFactors(userId: string): Promise<void> {
      totp.delete(userId);
      codes.delete(userId);
      for (const [hash, record] of pending) if (record.userId === userId) pending.delete(hash);
    },
  };
}
