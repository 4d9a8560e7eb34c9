import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { makeSession, makeUser, NOW } from "./fixtures.js";
import { withSubject, type StoreContractFactory } from "./subject.js";

/**
 * Registers the contract of the optional `peekSession` and `peekUserById` (answers from
 * memory, without I/O): a peek answers undefined or exactly what the store's read would
 * answer now. The attack this guards: a revoked session, or a user deactivated or stripped
 * of privileges, served from a store's memory after the change (here or through another
 * connection, as a `latchkey` command writes). A store without them passes trivially.
 */
export function peekContract(factory: StoreContractFactory): void {
  describe("SessionStore.peekSession and UserStore.peekUserById (optional)", () => {
    it("peekSession answers what getSession answers, and never a session deleted or touched since", () =>
      withSubject(factory, async ({ stores, reopen }) => {
        const peek = stores.sessions.peekSession?.bind(stores.sessions);
        if (peek === undefined) return;
        const session = makeSession();
        const other = makeSession();
        await stores.sessions.createSession(session);
        await stores.sessions.createSession(other);
        assert.equal(peek("no-such-session"), undefined);
        // Ids straight from the client: core peeks before it checks a token's characters.
        for (const crafted of ["x'; DROP TABLE latchkey_sessions; --", "\u0000".repeat(22), "é".repeat(22), ""])
          assert.equal(peek(crafted), undefined, JSON.stringify(crafted));
        const read = await stores.sessions.getSession(session.id);
        const peeked = peek(session.id);
        if (peeked !== undefined) assert.deepEqual(peeked, read);
        await stores.sessions.updateSessionExpiration(session.id, NOW + 60_000, NOW + 99_000_000);
        const touched = peek(session.id);
        if (touched !== undefined) assert.deepEqual(touched, await stores.sessions.getSession(session.id));
        await stores.sessions.deleteSession(session.id);
        assert.equal(peek(session.id), undefined, "a deleted session is never peeked");
        // Deleted through another connection, after this one read (and may have cached) it.
        assert.ok(await stores.sessions.getSession(other.id));
        if (reopen === undefined) return;
        const second = await reopen();
        await second.sessions.deleteSession(other.id);
        assert.equal(peek(other.id), undefined, "a session deleted by another connection is never peeked");
      }));

    it("peekUserById answers what getUserById answers, and never a user record changed since, here or by another connection", () =>
      withSubject(factory, async ({ stores, reopen }) => {
        const peek = stores.users.peekUserById?.bind(stores.users);
        if (peek === undefined) return;
        const created = await stores.users.createUser(makeUser({ username: "peeked", isStaff: true }));
        const id = String(created.id);
        assert.equal(peek("999999"), undefined);
        assert.equal(peek("not-a-row-id"), undefined);
        const read = await stores.users.getUserById(id);
        const peeked = peek(id);
        if (peeked !== undefined) assert.deepEqual(peeked, read);
        await stores.users.updateUser(id, { isStaff: false });
        const changed = peek(id);
        if (changed !== undefined) assert.equal(changed.isStaff, false, "a demoted user is never peeked as staff");
        if (reopen === undefined) return;
        assert.ok(await stores.users.getUserById(id));
        const second = await reopen();
        await second.users.updateUser(id, { isActive: false });
        const afterOther = peek(id);
        if (afterOther !== undefined)
          assert.equal(afterOther.isActive, false, "a user deactivated by another connection is never peeked active");
      }));
  });
}
