import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { makeSession, makeUser } from "./fixtures.js";
import { withSubject, type StoreContractFactory } from "./subject.js";

/**
 * Registers the contract of the optional `getSessionWithUser` (a store that also holds the
 * users): it answers exactly what `getSession` and the user store's `getUserById` answer.
 * A store without it passes trivially.
 */
export function joinedReadContract(factory: StoreContractFactory): void {
  describe("SessionStore.getSessionWithUser (optional)", () => {
    it("equals getSession followed by getUserById: a session with its user, a session whose user is gone or not a row id, and no session", () =>
      withSubject(factory, async ({ stores }) => {
        const read = stores.sessions.getSessionWithUser?.bind(stores.sessions);
        if (read === undefined) return;
        assert.equal(stores.sessions.joinedUsers, stores.users, "it names the user store it reads");
        const user = await stores.users.createUser(makeUser({ username: "joined" }));
        const mine = makeSession({ userId: String(user.id) });
        const orphan = makeSession({ userId: "999999" });
        const odd = makeSession({ userId: "not-a-row-id" });
        for (const session of [mine, orphan, odd]) await stores.sessions.createSession(session);
        assert.deepEqual(await read(mine.id), {
          session: await stores.sessions.getSession(mine.id),
          user: await stores.users.getUserById(String(user.id)),
        });
        assert.deepEqual(await read(orphan.id), { session: orphan, user: null });
        assert.deepEqual(await read(odd.id), { session: odd, user: null });
        assert.equal(await read("no-such-session"), null);
      }));
  });
}
