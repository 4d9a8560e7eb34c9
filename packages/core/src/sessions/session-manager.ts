import { isPending, type Awaitable } from "../awaitable.js";
import type { ResolvedConfig, ResolvedWorld } from "../config/resolved-config.js";
import type { SessionKind, SessionRecord } from "../ports/session-store.js";
import type { User, UserRecord } from "../ports/user-store.js";
import { storeCall } from "../store-call.js";
import { createCacheLease } from "./cache-lease.js";
import { createRevoker } from "./revocation.js";
import { digestMatchesHex, secretDigest, storedDigestMatches } from "./secret-digest.js";
import { createSessionCache, type CachedSession, type SessionCacheStats } from "./session-cache.js";
import { generateSessionToken, isSessionTokenShaped, splitSessionToken } from "./session-token.js";

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
  createSession(
    userId: string,
    kind: SessionKind,
    origin: SessionOrigin,
  ): Promise<{ token: string; session: SessionRecord }>;
  /**
   * The session and user for a token, or null if the token is unknown, wrong, expired, of another kind, or its user is
   * inactive. Answered synchronously when the session cache or the stores' own caches hold both and no write is due
   * (see `Awaitable`); otherwise a promise.
   */
  validateSessionToken(token: string, kind: SessionKind): Awaitable<ValidSession | null>;
  /** Ends one session (and tells every process's session cache). */
  invalidateSession(id: string): Promise<void>;
  /** Ends the user's sessions (optionally one kind, sparing one id). Resolves to the count. */
  invalidateUserSessions(userId: string, options?: { kind?: SessionKind; exceptId?: string }): Promise<number>;
  /**
   * Tells every process's session cache that the user's record changed (privileges, names,
   * activation), after the store write. With `bestEffort`, a bus failure is logged instead of
   * thrown: for changes that grant or revoke nothing (the last-login time).
   */
  userChanged(userId: string, options?: { bestEffort?: boolean }): Promise<void>;
  /**
   * Replaces a session by a new one with a new token and the same absolute expiry, as after a
   * privilege change (a password change): whoever held the old token loses it.
   */
  rotateSession(session: SessionRecord, origin: SessionOrigin): Promise<{ token: string; session: SessionRecord }>;
  /** The session cache's counters, or null when the cache is off. */
  cacheStats(): SessionCacheStats | null;
}

/**
 * Users without their password hash, kept per store record: a store that hands out the same
 * record object again (the SQLite stores' read cache) gets the same user object back, so its
 * rendering is reused too (see renderedUser). Records are never mutated; weak, so a record
 * dropped by its store takes its entry with it.
 */
const publicUsers = new WeakMap<UserRecord, User>();

/**
 * The user as requests see it (`req.user`), frozen with its arrays: one object serves every
 * request of the user while it is cached here or in the session cache, so a route that
 * changed it (`req.user.isStaff = true` in an app's handler) would otherwise change what
 * later requests of that user are authorised as. Frozen, the change throws instead.
 */
function withoutPasswordHash(record: UserRecord): User {
  const kept = publicUsers.get(record);
  if (kept !== undefined) return kept;
  const { passwordHash: _omit, ...user } = record;
  Object.freeze(user.groups);
  Object.freeze(user.permissions);
  Object.freeze(user);
  publicUsers.set(record, user);
  return user;
}

export function createSessionManager(config: ResolvedConfig, world: ResolvedWorld): SessionManager {
  const store = world.stores.sessions;
  const users = world.stores.users;
  const bus = world.invalidationBus;
  const leaseStore = bus?.leases ?? null;
  const monotonic = world.monotonic ?? (() => performance.now());
  // This process's lease id (and the prefix of its acknowledgement tokens): random, never reused.
  const processId = Buffer.from(world.random.fill(new Uint8Array(12))).toString("base64url");
  const settings = config.sessionCache;
  // Filled in below: the lease empties the cache when a renewal shows a missed revocation.
  let emptyCache = (): void => {};
  const lease =
    settings.enabled && bus !== null && leaseStore !== null
      ? createCacheLease({
          store: leaseStore,
          settings,
          processId,
          monotonic,
          logger: world.logger,
          missedRevocations: () => emptyCache(),
        })
      : null;
  const cache =
    settings.enabled && bus !== null
      ? createSessionCache(
          { maxEntries: settings.maxEntries, ttlMs: settings.ttlSeconds * 1000, syncTimeoutMs: settings.syncTimeoutMs },
          bus,
          world,
          lease,
        )
      : null;
  if (cache !== null && lease !== null) {
    emptyCache = () => cache.apply({ kind: "all" });
    lease.start();
  }

  const joinedRead =
    store.getSessionWithUser !== undefined && store.joinedUsers === users ? store.getSessionWithUser.bind(store) : null;
  const peekSession = store.peekSession?.bind(store) ?? null;
  const peekUser = users.peekUserById?.bind(users) ?? null;

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

  // Revocations invalidate every cache before and after their store write, and still do when
  // the write fails (see createRevoker); other changes publish after their write.
  const revoker = createRevoker({
    cache,
    bus,
    logger: world.logger,
    acknowledged: leaseStore === null ? null : { processId, leasePeriodMs: settings.leasePeriodMs, monotonic },
  });

  /** Deletes an ended session, here and in this process's cache. */
  async function expire(id: string): Promise<void> {
    await storeCall("session", () => store.deleteSession(id));
    cache?.apply({ kind: "session", id });
  }

  function hasEnded(session: SessionRecord, now: number): boolean {
    return now >= session.expiresAt || now >= session.absoluteExpiresAt;
  }

  /**
   * The session and its user from the stores, or null (also when `digest`, the presented
   * secret's {@link secretDigest}, is not the session's); fills the cache with a valid pair.
   */
  async function load(id: string, digest: string, kind: SessionKind): Promise<CachedSession | null> {
    const ticket = cache?.ticket() ?? 0;
    // One round trip for both when the session store also holds the configured users.
    let session: SessionRecord | null;
    // undefined: not read with the session (read below from the user store).
    let joinedUser: UserRecord | null | undefined;
    if (joinedRead === null) {
      session = await storeCall("session", () => store.getSession(id));
    } else {
      const found = await storeCall("session", () => joinedRead(id));
      session = found?.session ?? null;
      joinedUser = found?.user ?? null;
    }
    if (session === null) return null;
    // The store found the id; the secret must match too. Constant-time, so timing does not
    // tell an attacker holding a session id how many bytes of a guessed secret's hash
    // matched. Checked before the user read, so a wrong guess costs one read and fills nothing.
    // Against the hex the store sent, not decoded: this record serves this request alone.
    if (!digestMatchesHex(digest, session.secretHash) || session.kind !== kind) return null;
    if (hasEnded(session, world.clock.now())) {
      await expire(session.id);
      return null;
    }
    const record =
      joinedUser !== undefined ? joinedUser : await storeCall("user", () => users.getUserById(session.userId));
    if (record === null) return null;
    const user = withoutPasswordHash(record);
    if (cache !== null && user.isActive) cache.fill(ticket, session, user);
    return { session, user };
  }

  /**
   * Store reads in flight for the cache, by token (kind, id and the secret's digest) and the cache's
   * generation when they started: requests with the same token while one is in flight wait
   * for it instead of each reading the store. After a cache flush (a bus reconnect, a missed
   * revocation) or at start, every connection of a busy page would otherwise read the same
   * session at once, a burst of identical reads on the store exactly when it matters.
   * Shared only by requests presenting the same secret, so a wrong guess never answers for a
   * right one; and only while no invalidation has been applied since the read started, so a
   * request arriving after a revocation's answer never takes a read that began before it.
   */
  const inFlight = new Map<string, { generation: number; read: Promise<CachedSession | null> }>();

  function sharedLoad(
    id: string,
    digest: string,
    kind: SessionKind,
    generation: number,
  ): Promise<CachedSession | null> {
    const key = `${kind}:${id}:${digest}`;
    const pending = inFlight.get(key);
    if (pending !== undefined && pending.generation === generation) return pending.read;
    const read = load(id, digest, kind);
    const entry = { generation, read };
    inFlight.set(key, entry);
    const forget = (): void => {
      if (inFlight.get(key) === entry) inFlight.delete(key);
    };
    read.then(forget, forget);
    return read;
  }

  /**
   * The session and its user when the stores hold both in memory and know them current
   * (their `peekSession`/`peekUserById`), else undefined: then {@link load} reads them. Only
   * without the session cache, which has its own.
   */
  function peekStores(id: string): CachedSession | undefined {
    if (peekSession === null || peekUser === null) return undefined;
    try {
      const session = peekSession(id);
      if (session === undefined) return undefined;
      const record = peekUser(session.userId);
      return record === undefined ? undefined : { session, user: withoutPasswordHash(record) };
    } catch {
      // A peek must not throw; one that does is ignored and the store read reports the failure.
      return undefined;
    }
  }

  /** A cache hit when the presented secret is the session's, else null (refused, as a wrong secret read from the store is). */
  function matching(hit: CachedSession, digest: string): CachedSession | null {
    // The caches are keyed by the public id alone: the secret decides (see storedDigestMatches).
    return storedDigestMatches(hit.session, digest) ? hit : null;
  }

  /**
   * The session `id` and its user from the cache or the stores, or null when there is none or
   * `digest` (the presented secret's) is not its own: now when memory holds them, else a promise.
   * `now` is the clock's time (ms) for the cache's TTL bound. `token` is the whole token, its
   * characters not yet checked (see splitSessionToken): memory is asked first, and only a
   * token shaped like ours goes further.
   */
  function find(
    id: string,
    digest: string,
    kind: SessionKind,
    now: number,
    token: string,
  ): Awaitable<CachedSession | null> {
    // undefined: memory cannot say (nothing the stores know current, or the cache needs a
    // sync barrier); null: the cache says read the store.
    const inMemory = cache === null ? peekStores(id) : cache.peek(id, now);
    if (inMemory !== undefined && inMemory !== null) return matching(inMemory, digest);
    // Past memory, to the bus and the stores: a token not shaped like ours is refused here,
    // before any query sees it (a crafted id never reaches a store).
    if (!isSessionTokenShaped(token)) return null;
    if (cache === null) return load(id, digest, kind);
    if (inMemory === undefined)
      return cache
        .lookup(id)
        .then((hit) => (hit === null ? sharedLoad(id, digest, kind, cache.ticket()) : matching(hit, digest)));
    return sharedLoad(id, digest, kind, cache.ticket());
  }

  /**
   * Sliding-expiry write-backs in flight, by session id. A request that finds its session due
   * while a write for it is in flight waits for that write instead of writing the same row
   * again: until the write returns, the cached entry (or a store read racing the write) still
   * shows the old activity time, so every parallel request of a page, or every connection of a
   * load cycling through its sessions, wrote once more (the bench counted 2,076 write-backs for
   * 1,000 sessions in one 3 s slice on Redis with the cache). Only the write is shared: each
   * request answers with the session and user it found itself, so a request whose user was
   * changed meanwhile (privileges, deactivation) never answers with the older record.
   */
  const touching = new Map<string, { write: Promise<void>; lastSeenAt: number; expiresAt: number }>();

  /** Writes the sliding expiry back (at most once per touch interval) and records it in the cache. */
  async function touch(session: SessionRecord, user: User, kind: SessionKind, now: number): Promise<ValidSession> {
    const pending = touching.get(session.id);
    if (pending !== undefined) {
      await pending.write;
      const { lastSeenAt, expiresAt } = pending;
      return { session: { ...session, lastSeenAt, expiresAt }, user, refreshed: true };
    }
    const expiresAt = Math.min(now + lifetimes(kind).idleMs, session.absoluteExpiresAt);
    const ticket = cache?.ticket() ?? 0;
    const entry = {
      write: storeCall("session", () => store.updateSessionExpiration(session.id, now, expiresAt)),
      lastSeenAt: now,
      expiresAt,
    };
    touching.set(session.id, entry);
    try {
      await entry.write;
    } finally {
      if (touching.get(session.id) === entry) touching.delete(session.id);
    }
    const current = { ...session, lastSeenAt: now, expiresAt };
    cache?.touched(ticket, current);
    return { session: current, user, refreshed: true };
  }

  /**
   * Judges what was found for a token (its secret already checked by {@link find}) at clock
   * time `now`: valid now, null, or a promise when a store write is due first.
   */
  function judge(found: CachedSession | null, kind: SessionKind, now: number): Awaitable<ValidSession | null> {
    if (found === null) return null;
    const { session, user } = found;
    if (session.kind !== kind) return null;
    if (hasEnded(session, now)) return expire(session.id).then(() => null);
    if (!user.isActive) return null;
    // Sliding expiry, written back at most once per touch interval so that a busy session
    // costs one store write per interval, not one per request (cached or not).
    if (now - session.lastSeenAt >= config.session.touchIntervalSeconds * 1000) return touch(session, user, kind, now);
    return { session, user, refreshed: false };
  }

  return {
    createSession: (userId, kind, origin) => insert(userId, kind, origin, null),

    validateSessionToken(token, kind) {
      // Split only: find() checks the characters when the token goes past memory.
      const parsed = splitSessionToken(token);
      if (parsed === null) return null;
      // Only the hash of the secret is kept (never the secret: a heap dump holds no usable token).
      const digest = secretDigest(parsed.secret);
      // One clock read for an answer from memory: the cache's TTL bound and the session's
      // expiry are judged at the same instant (nothing else runs in between). After a store
      // read the clock is read again, so expiry is judged when the read came back.
      const now = world.clock.now();
      const found = find(parsed.id, digest, kind, now, token);
      return isPending(found) ? found.then((f) => judge(f, kind, world.clock.now())) : judge(found, kind, now);
    },

    invalidateSession: (id) => revoker.revoke({ kind: "session", id }, () => store.deleteSession(id)),

    invalidateUserSessions: (userId, options) =>
      revoker.revoke({ kind: "user", userId }, () => store.deleteUserSessions(userId, options)),

    userChanged: (userId, options = {}) => revoker.publish({ kind: "user", userId }, options.bestEffort === true),

    async rotateSession(session, origin) {
      const next = await insert(
        session.userId,
        session.kind,
        { ...origin, label: session.label },
        session.absoluteExpiresAt,
      );
      await revoker.revoke({ kind: "session", id: session.id }, () => store.deleteSession(session.id));
      return next;
    },

    cacheStats: () => cache?.stats() ?? null,
  };
}
