import assert from "node:assert/strict";
import {
  StoreUnavailableError,
  type SessionRecord,
  type SessionStore,
  type StoreName,
  type ThrottleStore,
  type UserStore,
} from "@latchkey/core";

/** The stores an outage test checks: sessions always, users where the backend holds them. */
export interface OutageSubject {
  sessions: SessionStore;
  users?: UserStore;
}

/**
 * A session timed from the real clock, for stores whose backend expires records by itself
 * (Redis TTLs): the contract's fixed past `NOW` would be gone at once.
 */
export function liveSession(id: string): SessionRecord {
  const now = Date.now();
  return {
    id,
    secretHash: "ab".repeat(32),
    userId: "1",
    kind: "cookie",
    createdAt: now,
    lastSeenAt: now,
    expiresAt: now + 60_000,
    absoluteExpiresAt: now + 120_000,
    ip: null,
    userAgent: null,
    label: null,
  };
}

function unavailable(store: StoreName): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof StoreUnavailableError, `expected StoreUnavailableError, got ${String(error)}`);
    assert.equal(error.store, store);
    return true;
  };
}

/**
 * Every store method, all at once, must reject with StoreUnavailableError naming its store
 * (never resolve as "no such session", which would log the user out; a hang would time the
 * test out).
 */
export async function assertEveryMethodUnavailable(stores: OutageSubject, throttle: ThrottleStore): Promise<void> {
  const { sessions, users } = stores;
  await Promise.all([
    assert.rejects(sessions.getSession("s1"), unavailable("session")),
    assert.rejects(sessions.createSession(liveSession("s2")), unavailable("session")),
    assert.rejects(sessions.updateSessionExpiration("s1", Date.now(), Date.now() + 1), unavailable("session")),
    assert.rejects(sessions.deleteSession("s1"), unavailable("session")),
    assert.rejects(sessions.deleteUserSessions("1"), unavailable("session")),
    assert.rejects(sessions.listUserSessions("1"), unavailable("session")),
    assert.rejects(sessions.listSessions({ limit: 10 }), unavailable("session")),
    assert.rejects(sessions.deleteExpiredSessions(Date.now()), unavailable("session")),
    ...(users === undefined
      ? []
      : [
          assert.rejects(users.getUserById("1"), unavailable("user")),
          assert.rejects(users.getUserByUsernameKey("alice"), unavailable("user")),
          assert.rejects(users.updateUser("1", { email: "a@example.com", groups: ["g"] }), unavailable("user")),
          assert.rejects(users.listUsers({ limit: 10, offset: 0 }), unavailable("user")),
        ]),
    assert.rejects(throttle.consume("alice", 5, 60), unavailable("throttle")),
    assert.rejects(throttle.refund("alice"), unavailable("throttle")),
    assert.rejects(throttle.reset("alice"), unavailable("throttle")),
  ]);
}

/**
 * After an outage, once the backend answers again: the same store objects take new writes
 * (fresh ids and keys: a command that timed out during a hang may still have run afterwards).
 */
export async function assertServingAgain(stores: OutageSubject, throttle: ThrottleStore): Promise<void> {
  const session = liveSession("after-outage");
  await stores.sessions.createSession(session);
  assert.deepEqual(await stores.sessions.getSession(session.id), session);
  assert.ok((await stores.sessions.listUserSessions("1")).some((s) => s.id === session.id));
  assert.deepEqual(await throttle.consume("bob", 5, 60), { allowed: true, remaining: 4 });
}
