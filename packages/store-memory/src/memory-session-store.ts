import type { SessionKind, SessionRecord, SessionStore } from "@latchkey/core";

/**
 * Copies exactly the record's fields, so neither the caller's object nor a returned one
 * shares state with the store (a caller mutating a result must not change the session).
 */
function copySession(session: SessionRecord): SessionRecord {
  return {
    id: session.id,
    secretHash: session.secretHash,
    userId: session.userId,
    kind: session.kind,
    createdAt: session.createdAt,
    lastSeenAt: session.lastSeenAt,
    expiresAt: session.expiresAt,
    absoluteExpiresAt: session.absoluteExpiresAt,
    ip: session.ip,
    userAgent: session.userAgent,
    label: session.label,
  };
}

/** Newest first; the id breaks ties so the order is stable. */
function newestFirst(a: SessionRecord, b: SessionRecord): number {
  if (a.createdAt !== b.createdAt) return b.createdAt - a.createdAt;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/**
 * A {@link SessionStore} in a `Map`, for tests and single-process development. Sessions
 * vanish with the process and are not shared between processes.
 */
export function memorySessionStore(): SessionStore {
  const sessions = new Map<string, SessionRecord>();

  return {
    async getSession(id: string): Promise<SessionRecord | null> {
      const session = sessions.get(id);
      return session === undefined ? null : copySession(session);
    },

    async createSession(session: SessionRecord): Promise<void> {
      // Refusing a reused id means a colliding create can never take over someone's session.
      if (sessions.has(session.id)) throw new Error(`A session with id "${session.id}" already exists.`);
      sessions.set(session.id, copySession(session));
    },

    async updateSessionExpiration(id: string, lastSeenAt: number, expiresAt: number): Promise<void> {
      const session = sessions.get(id);
      // Only an existing session is touched: a touch racing a revocation never resurrects it.
      if (session === undefined) return;
      session.lastSeenAt = lastSeenAt;
      session.expiresAt = expiresAt;
    },

    async deleteSession(id: string): Promise<void> {
      sessions.delete(id);
    },

    async deleteUserSessions(userId: string, options: { kind?: SessionKind; exceptId?: string } = {}): Promise<number> {
      let deleted = 0;
      for (const session of sessions.values()) {
        if (session.userId !== userId) continue;
        if (options.kind !== undefined && session.kind !== options.kind) continue;
        if (options.exceptId !== undefined && session.id === options.exceptId) continue;
        sessions.delete(session.id);
        deleted += 1;
      }
      return deleted;
    },

    async listUserSessions(userId: string): Promise<SessionRecord[]> {
      const found: SessionRecord[] = [];
      for (const session of sessions.values()) {
        if (session.userId === userId) found.push(copySession(session));
      }
      return found.sort(newestFirst);
    },

    async listSessions(options: { limit: number }): Promise<SessionRecord[]> {
      return [...sessions.values()].sort(newestFirst).slice(0, Math.max(0, options.limit)).map(copySession);
    },

    async deleteExpiredSessions(now: number): Promise<number> {
      let deleted = 0;
      for (const session of sessions.values()) {
        if (session.expiresAt <= now || session.absoluteExpiresAt <= now) {
          sessions.delete(session.id);
          deleted += 1;
        }
      }
      return deleted;
    },
  };
}
