import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { makeSession, NOW } from "./fixtures.js";
import { withSubject, type StoreContractFactory } from "./subject.js";

/** Registers the {@link SessionStore} part of the contract that works on many sessions at once. */
export function sessionListContract(factory: StoreContractFactory): void {
  describe("SessionStore (many sessions)", () => {
    it("deleteUserSessions() deletes only that user's sessions and returns the count", () =>
      withSubject(factory, async ({ stores }) => {
        const mine = [makeSession({ userId: "1" }), makeSession({ userId: "1", kind: "bearer" })];
        const theirs = makeSession({ userId: "2" });
        for (const session of [...mine, theirs]) await stores.sessions.createSession(session);
        assert.equal(await stores.sessions.deleteUserSessions("1"), 2);
        assert.deepEqual(await stores.sessions.listUserSessions("1"), []);
        assert.deepEqual(await stores.sessions.getSession(theirs.id), theirs);
        assert.equal(await stores.sessions.deleteUserSessions("1"), 0);
      }));

    it("deleteUserSessions() with a kind deletes only sessions of that kind", () =>
      withSubject(factory, async ({ stores }) => {
        const cookie = makeSession({ userId: "1", kind: "cookie" });
        const bearer = makeSession({ userId: "1", kind: "bearer" });
        await stores.sessions.createSession(cookie);
        await stores.sessions.createSession(bearer);
        assert.equal(await stores.sessions.deleteUserSessions("1", { kind: "cookie" }), 1);
        assert.equal(await stores.sessions.getSession(cookie.id), null);
        assert.deepEqual(await stores.sessions.getSession(bearer.id), bearer);
      }));

    it("deleteUserSessions() with exceptId spares that session", () =>
      withSubject(factory, async ({ stores }) => {
        const current = makeSession({ userId: "1" });
        const others = [makeSession({ userId: "1" }), makeSession({ userId: "1", kind: "bearer" })];
        for (const session of [current, ...others]) await stores.sessions.createSession(session);
        assert.equal(await stores.sessions.deleteUserSessions("1", { exceptId: current.id }), 2);
        assert.deepEqual(await stores.sessions.listUserSessions("1"), [current]);
      }));

    it("deleteUserSessions() with a kind and exceptId applies both", () =>
      withSubject(factory, async ({ stores }) => {
        const current = makeSession({ userId: "1", kind: "cookie" });
        const otherCookie = makeSession({ userId: "1", kind: "cookie" });
        const bearer = makeSession({ userId: "1", kind: "bearer" });
        for (const session of [current, otherCookie, bearer]) await stores.sessions.createSession(session);
        const deleted = await stores.sessions.deleteUserSessions("1", { kind: "cookie", exceptId: current.id });
        assert.equal(deleted, 1);
        assert.equal(await stores.sessions.getSession(otherCookie.id), null);
        assert.deepEqual(await stores.sessions.getSession(current.id), current);
        assert.deepEqual(await stores.sessions.getSession(bearer.id), bearer);
      }));

    it("listUserSessions() lists only that user's sessions, newest first", () =>
      withSubject(factory, async ({ stores }) => {
        const oldest = makeSession({ userId: "1", createdAt: NOW - 2_000 });
        const newest = makeSession({ userId: "1", createdAt: NOW });
        const middle = makeSession({ userId: "1", createdAt: NOW - 1_000 });
        const theirs = makeSession({ userId: "2", createdAt: NOW - 500 });
        for (const session of [oldest, newest, middle, theirs]) await stores.sessions.createSession(session);
        assert.deepEqual(await stores.sessions.listUserSessions("1"), [newest, middle, oldest]);
        assert.deepEqual(await stores.sessions.listUserSessions("3"), []);
      }));

    it("listSessions() lists every user's sessions newest first, capped by limit", () =>
      withSubject(factory, async ({ stores }) => {
        const sessions = [0, 1, 2, 3, 4].map((i) => makeSession({ userId: String(i % 2), createdAt: NOW + i }));
        for (const session of sessions) await stores.sessions.createSession(session);
        const newestFirst = [...sessions].reverse();
        assert.deepEqual(await stores.sessions.listSessions({ limit: 3 }), newestFirst.slice(0, 3));
        assert.deepEqual(await stores.sessions.listSessions({ limit: 100 }), newestFirst);
      }));

    it("keeps a session deleted when 50 concurrent touches race its deletion", () =>
      withSubject(factory, async ({ stores }) => {
        const session = makeSession();
        await stores.sessions.createSession(session);
        const touch = (i: number): Promise<void> =>
          stores.sessions.updateSessionExpiration(session.id, NOW + i, NOW + 1_000_000 + i);
        await Promise.all([
          ...Array.from({ length: 25 }, (_, i) => touch(i)),
          stores.sessions.deleteSession(session.id),
          ...Array.from({ length: 25 }, (_, i) => touch(25 + i)),
        ]);
        assert.equal(await stores.sessions.getSession(session.id), null);
      }));

    it("stores all of 100 sessions created concurrently", () =>
      withSubject(factory, async ({ stores }) => {
        const sessions = Array.from({ length: 100 }, () => makeSession({ userId: "7" }));
        await Promise.all(sessions.map((session) => stores.sessions.createSession(session)));
        const stored = await stores.sessions.listUserSessions("7");
        assert.deepEqual(new Set(stored.map((s) => s.id)), new Set(sessions.map((s) => s.id)));
        for (const session of sessions) {
          assert.deepEqual(await stores.sessions.getSession(session.id), session);
        }
      }));
  });
}
