import type { PasskeyRecord, PasskeyStore, WebauthnChallengePurpose, WebauthnChallengeRecord } from "@latchkey/core";

function copy(record: PasskeyRecord): PasskeyRecord {
  return { ...record, publicKey: new Uint8Array(record.publicKey), transports: [...record.transports] };
}

/**
 * A {@link PasskeyStore} in `Map`s, for tests and single-process development. Every method
 * runs to completion without awaiting, so each is atomic in one process: a challenge consumed
 * by one call is gone before any other call runs, and a counter compare-and-set cannot
 * interleave. Nothing survives a restart.
 */
export function memoryPasskeyStore(): PasskeyStore {
  const credentials = new Map<string, PasskeyRecord>();
  const challenges = new Map<string, WebauthnChallengeRecord>();

  const owned = (userId: string, id: string): PasskeyRecord | undefined => {
    const found = credentials.get(id);
    return found !== undefined && found.userId === userId ? found : undefined;
  };

  return {
    async createCredential(record: PasskeyRecord): Promise<boolean> {
      if (credentials.has(record.id)) return false;
      for (const existing of credentials.values()) if (existing.credentialId === record.credentialId) return false;
      credentials.set(record.id, copy(record));
      return true;
    },

    async listCredentials(userId: string): Promise<PasskeyRecord[]> {
      return [...credentials.values()]
        .filter((c) => c.userId === userId)
        .sort((a, b) => a.createdAt - b.createdAt)
        .map(copy);
    },

    async findByCredentialId(credentialId: string): Promise<PasskeyRecord | null> {
      for (const existing of credentials.values()) if (existing.credentialId === credentialId) return copy(existing);
      return null;
    },

    async renameCredential(userId: string, id: string, name: string): Promise<boolean> {
      const found = owned(userId, id);
      if (found === undefined) return false;
      found.name = name;
      return true;
    },

    async deleteCredential(userId: string, id: string): Promise<boolean> {
      if (owned(userId, id) === undefined) return false;
      credentials.delete(id);
      return true;
    },

    async recordUse(id: string, expectedCounter: number, counter: number, usedAt: number): Promise<boolean> {
      const found = credentials.get(id);
      if (found === undefined || found.counter !== expectedCounter) return false;
      found.counter = counter;
      found.lastUsedAt = usedAt;
      return true;
    },

    async deleteUserCredentials(userId: string): Promise<number> {
      let count = 0;
      for (const [id, c] of credentials) {
        if (c.userId === userId) {
          credentials.delete(id);
          count += 1;
        }
      }
      return count;
    },

    async saveChallenge(record: WebauthnChallengeRecord): Promise<void> {
      challenges.set(record.challengeHash, { ...record });
    },

    async consumeChallenge(
      challengeHash: string,
      purpose: WebauthnChallengePurpose,
      now: number,
    ): Promise<WebauthnChallengeRecord | null> {
      const found = challenges.get(challengeHash);
      if (found === undefined || found.purpose !== purpose) return null;
      challenges.delete(challengeHash);
      return found.expiresAt > now ? found : null;
    },
  };
}
