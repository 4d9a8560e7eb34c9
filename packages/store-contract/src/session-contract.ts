import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { makeSession, NOW } from "./fixtures.js";
import { tryToChange, withSubject, type StoreContractFactory } from "./subject.js";

/** Registers the {@link SessionStore} part of the contract: single-record operations. */
export function sessionContract(factory: StoreContractFactory): void {
  describe("SessionStore", () => {
    it("returns a created session with every field intact", () =>
      withSubject(factory, async ({ stores }) => {
        const session = makeSession({ kind: "bearer" });
        await stores.sessions.createSession(session);
        assert.deepEqual(await stores.sessions.getSession(session.id), session);
      }));

    it("keeps a null IP, user agent and label as null", () =>
      withSubject(factory, async ({ stores }) => {
        const session = makeSession({ ip: null, userAgent: null, label: null });
        await stores.sessions.createSession(session);
        assert.deepEqual(await stores.sessions.getSession(session.id), session);
      }));

    it("returns null for an unknown id", () =>
      withSubject(factory, async ({ stores }) => {
        assert.equal(await stores.sessions.getSession("no-such-session"), null);
      }));

    it("never lets a second create with the same id replace the first session", () =>
      withSubject(factory, async ({ stores }) => {
        const first = makeSession({ userId: "1" });
        await stores.sessions.createSession(first);
        // A store may reject the duplicate or ignore it, but must not hand the id to another user.
        await stores.sessions.createSession(makeSession({ id: first.id, userId: "2" })).catch(() => {});
        assert.deepEqual(await stores.sessions.getSession(first.id), first);
      }));

    it("hands out copies or frozen records, so changing a returned or given record leaves the stored session alone", () =>
      withSubject(factory, async ({ stores }) => {
        const session = makeSession();
        const expected = { ...session };
        await stores.sessions.createSession(session);
        session.userId = "changed after create";
        const loaded = await stores.sessions.getSession(session.id);
        assert.ok(loaded);
        tryToChange(() => {
          loaded.userId = "changed after get";
        });
        assert.deepEqual(await stores.sessions.getSession(session.id), expected);
      }));

    it("updateSessionExpiration() moves lastSeenAt and expiresAt and nothing else", () =>
      withSubject(factory, async ({ stores }) => {
        const session = makeSession();
        await stores.sessions.createSession(session);
        await stores.sessions.updateSessionExpiration(session.id, NOW + 60_000, NOW + 99_000_000);
        assert.deepEqual(await stores.sessions.getSession(session.id), {
          ...session,
          lastSeenAt: NOW + 60_000,
          expiresAt: NOW + 99_000_000,
        });
      }));

    it("updateSessionExpiration() does not resurrect a deleted session", () =>
      withSubject(factory, async ({ stores }) => {
        const session = makeSession();
        await stores.sessions.createSession(session);
        await stores.sessions.deleteSession(session.id);
        await stores.sessions.updateSessionExpiration(session.id, NOW + 1, NOW + 2);
        assert.equal(await stores.sessions.getSession(session.id), null);
      }));

    it("updateSessionExpiration() of an id that never existed creates nothing", () =>
      withSubject(factory, async ({ stores }) => {
        await stores.sessions.updateSessionExpiration("never-created", NOW + 1, NOW + 2);
        assert.equal(await stores.sessions.getSession("never-created"), null);
        assert.deepEqual(await stores.sessions.listSessions({ limit: 10 }), []);
      }));

    it("deleteSession() removes only that session and is harmless when repeated or unknown", () =>
      withSubject(factory, async ({ stores }) => {
        const doomed = makeSession();
        const kept = makeSession();
        await stores.sessions.createSession(doomed);
        await stores.sessions.createSession(kept);
        await stores.sessions.deleteSession(doomed.id);
        await stores.sessions.deleteSession(doomed.id);
        await stores.sessions.deleteSession("never-created");
        assert.equal(await stores.sessions.getSession(doomed.id), null);
        assert.deepEqual(await stores.sessions.getSession(kept.id), kept);
      }));

    it("deleteExpiredSessions() removes sessions past idle or absolute expiry, expiry at now included", () =>
      withSubject(factory, async ({ stores }) => {
        const idleAtNow = makeSession({ expiresAt: NOW, absoluteExpiresAt: NOW + 10_000 });
        const absoluteAtNow = makeSession({ expiresAt: NOW + 10_000, absoluteExpiresAt: NOW });
        const longGone = makeSession({ expiresAt: NOW - 10_000, absoluteExpiresAt: NOW - 5_000 });
        const alive = makeSession({ expiresAt: NOW + 1, absoluteExpiresAt: NOW + 1 });
        for (const session of [idleAtNow, absoluteAtNow, longGone, alive]) {
          await stores.sessions.createSession(session);
        }
        assert.equal(await stores.sessions.deleteExpiredSessions(NOW), 3);
        assert.equal(await stores.sessions.getSession(idleAtNow.id), null);
        assert.equal(await stores.sessions.getSession(absoluteAtNow.id), null);
        assert.equal(await stores.sessions.getSession(longGone.id), null);
        assert.deepEqual(await stores.sessions.getSession(alive.id), alive);
        assert.equal(await stores.sessions.deleteExpiredSessions(NOW), 0);
      }));

    it("keeps a session deleted through one instance deleted for every instance over the same backend", (t) =>
      withSubject(factory, async ({ stores, reopen }) => {
        if (reopen === undefined) {
          t.skip("this store's backend belongs to one instance; there is no second instance to share it");
          return;
        }
        const other = await reopen();
        const session = makeSession();
        await stores.sessions.createSession(session);
        assert.deepEqual(await other.sessions.getSession(session.id), session);
        await other.sessions.deleteSession(session.id);
        assert.equal(await stores.sessions.getSession(session.id), null);
      }));
  });
}
