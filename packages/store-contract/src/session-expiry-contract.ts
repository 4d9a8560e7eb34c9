import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { makeSession, NOW } from "./fixtures.js";
import { withSubject, type StoreContractFactory } from "./subject.js";

/**
 * Registers the expiry-boundary part of the {@link SessionStore} contract: a session ends at
 * the earlier of its idle and absolute expiry, that instant included, and a touch moves only
 * the idle one.
 */
export function sessionExpiryContract(factory: StoreContractFactory): void {
  describe("SessionStore expiry boundaries", () => {
    it("deleteExpiredSessions() keeps a session 1 ms before its end and removes it, from every listing, at its end", () =>
      withSubject(factory, async ({ stores }) => {
        const session = makeSession({ userId: "1", expiresAt: NOW + 1_000, absoluteExpiresAt: NOW + 2_000 });
        await stores.sessions.createSession(session);
        assert.equal(await stores.sessions.deleteExpiredSessions(NOW + 999), 0);
        assert.deepEqual(await stores.sessions.getSession(session.id), session);
        assert.equal(await stores.sessions.deleteExpiredSessions(NOW + 1_000), 1);
        assert.equal(await stores.sessions.getSession(session.id), null);
        assert.deepEqual(await stores.sessions.listUserSessions("1"), []);
        assert.deepEqual(await stores.sessions.listSessions({ limit: 10 }), []);
      }));

    it("deleteExpiredSessions() spares a session whose idle expiry a touch moved past now", () =>
      withSubject(factory, async ({ stores }) => {
        const session = makeSession({ expiresAt: NOW, absoluteExpiresAt: NOW + 10_000 });
        await stores.sessions.createSession(session);
        await stores.sessions.updateSessionExpiration(session.id, NOW - 1, NOW + 5_000);
        assert.equal(await stores.sessions.deleteExpiredSessions(NOW), 0);
        const touched = { ...session, lastSeenAt: NOW - 1, expiresAt: NOW + 5_000 };
        assert.deepEqual(await stores.sessions.getSession(session.id), touched);
        assert.equal(await stores.sessions.deleteExpiredSessions(NOW + 4_999), 0);
        assert.equal(await stores.sessions.deleteExpiredSessions(NOW + 5_000), 1);
        assert.equal(await stores.sessions.getSession(session.id), null);
      }));

    it("deleteExpiredSessions() ends a session at its absolute expiry even when a touch moved the idle expiry past it", () =>
      withSubject(factory, async ({ stores }) => {
        const session = makeSession({ expiresAt: NOW - 500, absoluteExpiresAt: NOW });
        await stores.sessions.createSession(session);
        await stores.sessions.updateSessionExpiration(session.id, NOW - 1, NOW + 60_000);
        assert.equal(await stores.sessions.deleteExpiredSessions(NOW), 1);
        assert.equal(await stores.sessions.getSession(session.id), null);
      }));

    it("deleteExpiredSessions() finds a session again after a touch shortened its idle expiry", () =>
      withSubject(factory, async ({ stores }) => {
        const session = makeSession({ expiresAt: NOW + 60_000, absoluteExpiresAt: NOW + 120_000 });
        await stores.sessions.createSession(session);
        await stores.sessions.updateSessionExpiration(session.id, NOW, NOW + 1_000);
        assert.equal(await stores.sessions.deleteExpiredSessions(NOW + 1_000), 1);
        assert.equal(await stores.sessions.getSession(session.id), null);
      }));
  });
}
