import type { AccountKeyPurpose, AccountKeyRecord, AccountStore, ClaimedMessage, OutboxMessage } from "@latchkey/core";

interface StoredMessage extends OutboxMessage {
  attempts: number;
  /** Not handed out before this time (ms): the next retry, or the end of a lease. */
  dueAt: number;
  lastError: string | null;
}

/**
 * An {@link AccountStore} in `Map`s, for tests and single-process development. Every method
 * runs to completion without awaiting, so each is atomic in one process (a key consumed by
 * one call is gone before any other call runs). Nothing survives a restart.
 */
export function memoryAccountStore(): AccountStore {
  const keys = new Map<string, AccountKeyRecord>();
  const verified = new Map<string, Set<string>>();
  const fresh = new Map<string, number>();
  const outbox = new Map<string, StoredMessage>();

  return {
    async createKey(key: AccountKeyRecord, message: OutboxMessage | null): Promise<void> {
      keys.set(key.keyHash, { ...key });
      if (message !== null)
        outbox.set(message.id, { ...message, attempts: 0, dueAt: message.createdAt, lastError: null });
    },

    async consumeKey(keyHash: string, purpose: AccountKeyPurpose, now: number): Promise<AccountKeyRecord | null> {
      const key = keys.get(keyHash);
      if (key === undefined || key.purpose !== purpose) return null;
      keys.delete(keyHash);
      return key.expiresAt > now ? key : null;
    },

    async deleteUserKeys(userId: string, purpose?: AccountKeyPurpose): Promise<number> {
      let count = 0;
      for (const [hash, key] of keys) {
        if (key.userId === userId && (purpose === undefined || key.purpose === purpose)) {
          keys.delete(hash);
          count += 1;
        }
      }
      return count;
    },

    async markEmailVerified(userId: string, email: string): Promise<void> {
      const set = verified.get(userId) ?? new Set<string>();
      set.add(email.toLowerCase());
      verified.set(userId, set);
    },

    async isEmailVerified(userId: string, email: string): Promise<boolean> {
      return verified.get(userId)?.has(email.toLowerCase()) ?? false;
    },

    async deleteUserData(userId: string): Promise<void> {
      verified.delete(userId);
      for (const [hash, key] of keys) if (key.userId === userId) keys.delete(hash);
    },

    async setSessionFreshAt(sessionId: string, at: number): Promise<void> {
      fresh.set(sessionId, at);
    },

    async getSessionFreshAt(sessionId: string): Promise<number | null> {
      return fresh.get(sessionId) ?? null;
    },

    async enqueueMessage(message: OutboxMessage): Promise<void> {
      outbox.set(message.id, { ...message, attempts: 0, dueAt: message.createdAt, lastError: null });
    },

    async claimMessages(options: { now: number; leaseMs: number; limit: number }): Promise<ClaimedMessage[]> {
      const due = [...outbox.values()]
        .filter((m) => m.dueAt <= options.now)
        .sort((a, b) => a.createdAt - b.createdAt)
        .slice(0, options.limit);
      return due.map((m) => {
        m.attempts += 1;
        m.dueAt = options.now + options.leaseMs;
        const { dueAt: _due, lastError: _error, ...claimed } = m;
        return { ...claimed };
      });
    },

    async completeMessage(id: string): Promise<void> {
      outbox.delete(id);
    },

    async retryMessage(id: string, nextAttemptAt: number, error: string): Promise<void> {
      const message = outbox.get(id);
      if (message === undefined) return;
      message.dueAt = nextAttemptAt;
      message.lastError = error;
    },

    async countPendingMessages(): Promise<number> {
      return outbox.size;
    },
  };
}
