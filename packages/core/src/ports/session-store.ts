import type { UserRecord, UserStore } from "./user-store.js";

/** How a session was established: a browser cookie or a bearer token from a non-browser client. */
export type SessionKind = "cookie" | "bearer";

/**
 * A session as a store keeps it. The token the client holds is `<id>.<secret>`; a store only
 * ever sees the id and the SHA-256 of the secret, so a leaked database or Redis dump holds
 * no usable session.
 */
export interface SessionRecord {
  /** Public, random session identifier (the part of the token before the dot). */
  id: string;
  /** Lower-case hex SHA-256 of the token's secret part. */
  secretHash: string;
  /** The user's id, as a string. */
  userId: string;
  kind: SessionKind;
  /** Milliseconds since the epoch. */
  createdAt: number;
  /** Last time activity was written back (at most once per touch interval). Milliseconds. */
  lastSeenAt: number;
  /** Idle expiry: the session ends here unless activity moves it. Milliseconds. */
  expiresAt: number;
  /** Absolute expiry: no activity moves it. Milliseconds. */
  absoluteExpiresAt: number;
  /** Client IP the session was created from, or null if unknown. */
  ip: string | null;
  /** User-Agent the session was created with (truncated), or null. */
  userAgent: string | null;
  /** A device name the client gave for a bearer token, or null. */
  label: string | null;
}

/**
 * Where sessions live. Narrow and policy-free: core decides expiry, hashing and comparison;
 * a store saves, loads and deletes. Methods reject with {@link StoreUnavailableError} when
 * the backing service cannot be reached.
 */
export interface SessionStore {
  /** The session with this id, or null. Expired records may be returned; core checks expiry. */
  getSession(id: string): Promise<SessionRecord | null>;
  /** Saves a new session. Ids are unique; a store may reject a duplicate id. */
  createSession(session: SessionRecord): Promise<void>;
  /**
   * Moves a session's activity and idle expiry. Must not recreate a session deleted
   * meanwhile (a revocation racing a touch never resurrects the session).
   */
  updateSessionExpiration(id: string, lastSeenAt: number, expiresAt: number): Promise<void>;
  /** Deletes one session. Deleting a missing session is not an error. */
  deleteSession(id: string): Promise<void>;
  /**
   * Deletes the user's sessions, optionally only those of one kind and sparing one id.
   * Resolves to how many were deleted.
   */
  deleteUserSessions(userId: string, options?: { kind?: SessionKind; exceptId?: string }): Promise<number>;
  /** The user's sessions (expired ones may be included), newest first. */
  listUserSessions(userId: string): Promise<SessionRecord[]>;
  /**
   * Sessions of every user, newest first, for administration (`latchkey sessions list`).
   * `limit` caps the count.
   */
  listSessions(options: { limit: number }): Promise<SessionRecord[]>;
  /** Deletes every session whose idle or absolute expiry is at or before `now`. Resolves to the count. */
  deleteExpiredSessions(now: number): Promise<number>;
  /**
   * Optional, for a store that also holds the users: the user store it reads them from.
   * Core calls {@link SessionStore.getSessionWithUser} only when this is the user store
   * latchkey was given, so a read never bypasses the configured user store.
   */
  readonly joinedUsers?: UserStore;
  /**
   * Optional: the session with this id and its user in one round trip (the authenticated
   * request's hot path), or null when there is no such session. `user` is null when the
   * session's user does not exist. Must equal `getSession` followed by the user store's
   * `getUserById(session.userId)`.
   */
  getSessionWithUser?(id: string): Promise<{ session: SessionRecord; user: UserRecord | null } | null>;
  /**
   * Optional: the session with this id when the store holds it in memory and knows it is
   * current (what `getSession` would answer now), else undefined. Synchronous, without I/O,
   * and never throws (a failure is undefined: core then calls `getSession`, which reports
   * it). A request whose session and user are both in memory is then answered without a
   * promise per layer (the SQLite stores' read cache; see docs/production.md). `id` comes
   * from the client and its characters are not checked before a peek (they are before
   * `getSession`): use it as a key to look up, never in a query or a path.
   */
  peekSession?(id: string): SessionRecord | undefined;
}
