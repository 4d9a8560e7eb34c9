import type { ResolvedConfig, ResolvedWorld } from "../config/resolved-config.js";
import { constantTimeEqual, sha256Hex } from "../encoding.js";
import type { SessionKind, SessionRecord } from "../ports/session-store.js";
import type { User } from "../ports/user-store.js";
import { storeCall } from "../store-call.js";
import { generateSessionToken, parseSessionToken } from "./session-token.js";

/** Longest User-Agent kept with a session. */
const MAX_USER_AGENT = 512;

/** Where and how a session is being created. */
export interface SessionOrigin {
  ip: string | null;
  userAgent: string | null;
  /** Device name for a bearer token. */
  label?: string | null;
}

/** A valid session and its user. */
export interface ValidSession {
  session: SessionRecord;
  user: User;
  /** True if this validation moved the idle expiry (the cookie should be re-sent with the new Max-Age). */
  refreshed: boolean;
}

/** Creating, validating and ending sessions. Policy lives here; stores only store. */
export interface SessionManager {
  /** Starts a session; resolves to the token (give it to the client once) and the record. */
  createSession(userId: string, kind: SessionKind, origin: SessionOrigin): Promise<{ token: string; session: SessionRecord }>;
  /** The session and user for a token, or null if the token is unknown, wrong, expired, of another kind, or its user is inactive. */
  validateSessionToken(token: string, kind: SessionKind): Promise<ValidSession | null>;
  /** Ends one session. */
  invalidateSession(id: string): Promise<void>;
  /** Ends the user's sessions (optionally one kind, sparing one id). Resolves to the count. */
  invalidateUserSessions(userId: string, options?: { kind?: SessionKind; exceptId?: string }): Promise<number>;
  /**
   * Replaces a session by a new one with a new token and the same absolute expiry, as after a
   * privilege change (a password change): whoever held the old token loses it.
   */
  rotateSession(session: SessionRecord, origin: SessionOrigin): Promise<{ token: string; session: SessionRecord }>;
}

export function createSessionManager(config: ResolvedConfig, world: ResolvedWorld): SessionManager {
  const store = world.stores.sessions;
  const users = world.stores.users;

  function lifetimes(kind: SessionKind): { idleMs: number; absoluteMs: number } {
    const source = kind === "cookie" ? config.session : config.bearer;
    return { idleMs: source.idleTimeoutSeconds * 1000, absoluteMs: source.absoluteTimeoutSeconds * 1000 };
  }

  async function insert(userId: string, kind: SessionKind, origin: SessionOrigin, absoluteExpiresAt: number | null) {
    const now = world.clock.now();
    const { idleMs, absoluteMs } = lifetimes(kind);
    const generated = generateSessionToken(world.random);
    const absolute = absoluteExpiresAt ?? now + absoluteMs;
    const session: SessionRecord = {
      id: generated.id,
      secretHash: generated.secretHash,
      userId,
      kind,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: Math.min(now + idleMs, absolute),
      absoluteExpiresAt: absolute,
      ip: origin.ip,
      userAgent: origin.userAgent === null ? null : origin.userAgent.slice(0, MAX_USER_AGENT),
      label: origin.label ?? null,
    };
    await storeCall("session", () => store.createSession(session));
    return { token: generated.token, session };
  }

  return {
    createSession: (userId, kind, origin) => insert(userId, kind, origin, null),

    async validateSessionToken(token, kind) {
      const parsed = parseSessionToken(token);
      if (parsed === null) return null;
      const session = await storeCall("session", () => store.getSession(parsed.id));
      if (session === null) return null;
      // The store found the id; the secret must match too. Constant-time, so timing does not
      // tell an attacker holding a session id how many characters of a guessed secret hash matched.
      if (!constantTimeEqual(sha256Hex(parsed.secret), session.secretHash)) return null;
      if (session.kind !== kind) return null;
      const now = world.clock.now();
      if (now >= session.expiresAt || now >= session.absoluteExpiresAt) {
        await storeCall("session", () => store.deleteSession(session.id));
        return null;
      }
      const user = await storeCall("user", () => users.getUserById(session.userId));
      if (user === null || !user.isActive) return null;
      let current = session;
      let refreshed = false;
      // Sliding expiry, written back at most once per touch interval so that a busy session
      // costs one store write per interval, not one per request.
      if (now - session.lastSeenAt >= config.session.touchIntervalSeconds * 1000) {
        const expiresAt = Math.min(now + lifetimes(kind).idleMs, session.absoluteExpiresAt);
        await storeCall("session", () => store.updateSessionExpiration(session.id, now, expiresAt));
        current = { ...session, lastSeenAt: now, expiresAt };
        refreshed = true;
      }
      const { passwordHash: _omit, ...publicUser } = user;
      return { session: current, user: publicUser, refreshed };
    },

    invalidateSession: (id) => storeCall("session", () => store.deleteSession(id)),

    invalidateUserSessions: (userId, options) => storeCall("session", () => store.deleteUserSessions(userId, options)),

    async rotateSession(session, origin) {
      const next = await insert(session.userId, session.kind, { ...origin, label: session.label }, session.absoluteExpiresAt);
      await storeCall("session", () => store.deleteSession(session.id));
      return next;
    },
  };
}
