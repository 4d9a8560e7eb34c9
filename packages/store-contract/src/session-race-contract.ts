import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { SessionRecord } from "@latchkey/core";
import { makeSession, NOW } from "./fixtures.js";
import { withSubject, type StoreContractFactory } from "./subject.js";

/**
 * Registers the concurrency part of the {@link SessionStore} contract: revocations racing
 * touches, validations and logins. The guarantee every store gives is that of one atomic
 * operation per call: whatever a call saw completed before it started, and a call racing it
 * lands wholly before or wholly after it. In particular a session whose `createSession`
 * resolved before `deleteUserSessions` was called is deleted by it; a session created *while*
 * the delete runs may survive it, but is then counted, listed and deleted like any other.
 */
export function sessionRaceContract(factory: StoreContractFactory): void {
  describe("SessionStore under concurrent revocation", () => {
    it("keeps every session of a user deleted when touches of each race deleteUserSessions()", () =>
      withSubject(factory, async ({ stores }) => {
        const sessions = Array.from({ length: 5 }, (_, i) => makeSession({ userId: "1", createdAt: NOW + i }));
        for (const session of sessions) await stores.sessions.createSession(session);
        const touches = sessions.flatMap((session) =>
          Array.from({ length: 5 }, (_, i) =>
            stores.sessions.updateSessionExpiration(session.id, NOW + 1_000 + i, NOW + 5_000_000 + i),
          ),
        );
        const [deleted] = await Promise.all([stores.sessions.deleteUserSessions("1"), ...touches]);
        assert.equal(deleted, 5);
        for (const session of sessions) assert.equal(await stores.sessions.getSession(session.id), null);
        assert.deepEqual(await stores.sessions.listUserSessions("1"), []);
        assert.deepEqual(await stores.sessions.listSessions({ limit: 10 }), []);
      }));

    it("gives reads racing deleteUserSessions() the whole session or null, and null once it resolved", () =>
      withSubject(factory, async ({ stores }) => {
        const sessions = Array.from({ length: 5 }, () => makeSession({ userId: "1" }));
        for (const session of sessions) await stores.sessions.createSession(session);
        const reads = sessions.flatMap((session) =>
          Array.from({ length: 4 }, async () => ({ session, seen: await stores.sessions.getSession(session.id) })),
        );
        const [, ...seen] = await Promise.all([stores.sessions.deleteUserSessions("1"), ...reads]);
        for (const read of seen) {
          if (read.seen !== null) assert.deepEqual(read.seen, read.session);
        }
        for (const session of sessions) assert.equal(await stores.sessions.getSession(session.id), null);
      }));

    it("deletes logins that finished before a racing deleteUserSessions() began, and leaves no survivor unlisted", () =>
      withSubject(factory, async ({ stores }) => {
        const before = Array.from({ length: 5 }, (_, i) => makeSession({ userId: "1", createdAt: NOW + i }));
        for (const session of before) await stores.sessions.createSession(session);
        const during = Array.from({ length: 10 }, (_, i) => makeSession({ userId: "1", createdAt: NOW + 10 + i }));
        const [deleted] = await Promise.all([
          stores.sessions.deleteUserSessions("1"),
          ...during.map((session) => stores.sessions.createSession(session)),
        ]);
        for (const session of before) assert.equal(await stores.sessions.getSession(session.id), null);
        const survivors: SessionRecord[] = [];
        for (const session of during) {
          const stored = await stores.sessions.getSession(session.id);
          if (stored !== null) {
            assert.deepEqual(stored, session);
            survivors.push(session);
          }
        }
        // Each session was either deleted (and counted) or survived; none vanished uncounted.
        assert.equal(deleted + survivors.length, before.length + during.length);
        // A survivor is a normal session: listed, and removed by the next "log out everywhere".
        const listed = await stores.sessions.listUserSessions("1");
        assert.deepEqual(new Set(listed.map((s) => s.id)), new Set(survivors.map((s) => s.id)));
        assert.equal(await stores.sessions.deleteUserSessions("1"), survivors.length);
        assert.deepEqual(await stores.sessions.listUserSessions("1"), []);
      }));

    it("counts each session once when two deleteUserSessions() calls race", () =>
      withSubject(factory, async ({ stores }) => {
        for (let i = 0; i < 10; i += 1) await stores.sessions.createSession(makeSession({ userId: "1" }));
        const [a, b] = await Promise.all([
          stores.sessions.deleteUserSessions("1"),
          stores.sessions.deleteUserSessions("1"),
        ]);
        assert.equal(a + b, 10);
        assert.deepEqual(await stores.sessions.listUserSessions("1"), []);
      }));

    it("counts each ended session once when two deleteExpiredSessions() calls race", () =>
      withSubject(factory, async ({ stores }) => {
        const ended = Array.from({ length: 6 }, (_, i) => makeSession({ expiresAt: NOW - i }));
        const alive = [makeSession({ expiresAt: NOW + 1 }), makeSession({ absoluteExpiresAt: NOW + 1 })];
        for (const session of [...ended, ...alive]) await stores.sessions.createSession(session);
        const [a, b] = await Promise.all([
          stores.sessions.deleteExpiredSessions(NOW),
          stores.sessions.deleteExpiredSessions(NOW),
        ]);
        assert.equal(a + b, ended.length);
        for (const session of ended) assert.equal(await stores.sessions.getSession(session.id), null);
        for (const session of alive) assert.deepEqual(await stores.sessions.getSession(session.id), session);
      }));

    it("makes a logout everywhere through one instance seen at once by every instance over the same backend", (t) =>
      withSubject(factory, async ({ stores, reopen }) => {
        if (reopen === undefined) {
          t.skip("this store's backend belongs to one instance; there is no second instance to share it");
          return;
        }
        const other = await reopen();
        const sessions = Array.from({ length: 3 }, () => makeSession({ userId: "1" }));
        for (const session of sessions) await stores.sessions.createSession(session);
        const touches = sessions.map((s) => stores.sessions.updateSessionExpiration(s.id, NOW + 1, NOW + 9_000_000));
        const [deleted] = await Promise.all([other.sessions.deleteUserSessions("1"), ...touches]);
        assert.equal(deleted, 3);
        for (const session of sessions) assert.equal(await stores.sessions.getSession(session.id), null);
        assert.deepEqual(await stores.sessions.listUserSessions("1"), []);
      }));
  });
}
