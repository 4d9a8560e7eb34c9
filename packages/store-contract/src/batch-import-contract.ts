import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isBatchUserStore, UsernameTakenError, type ImportedUser } from "@latchkey/core";
import { makeUser, NOW } from "./fixtures.js";
import { withSubject, type StoreContractFactory } from "./subject.js";

const NOT_BATCH = "this user store has no createUsersAtomically(): an import writes its users one by one";

function importedUser(lastLogin: number | null, username?: string): ImportedUser {
  const base = makeUser(username === undefined ? {} : { username, usernameKey: username.toLowerCase() });
  return { ...base, groups: ["editors"], permissions: ["reports.view"], lastLogin };
}

/**
 * Registers the optional {@link BatchUserStore} part: a batch of imported users is written
 * whole or not at all, so an import that fails part-way leaves nothing of the batch.
 */
export function batchImportContract(factory: StoreContractFactory): void {
  describe("BatchUserStore (one transaction per import batch)", () => {
    it("writes every user of a batch, in order, with groups, permissions and last login", (t) =>
      withSubject(factory, async ({ stores }) => {
        const users = stores.users;
        if (!isBatchUserStore(users)) return void t.skip(NOT_BATCH);
        const batch = [importedUser(NOW - 60_000), importedUser(null)];
        const created = await users.createUsersAtomically(batch);
        assert.deepEqual(
          created.map((u) => u.username),
          batch.map((u) => u.username),
        );
        assert.equal(created[0]?.lastLogin, NOW - 60_000);
        assert.equal(created[1]?.lastLogin, null);
        assert.deepEqual(created[0]?.groups, ["editors"]);
        assert.deepEqual(created[0]?.permissions, ["reports.view"]);
        assert.deepEqual(await users.getUserById(String(created[1]?.id)), created[1]);
      }));

    it("writes none of a batch when a user in its middle has a taken username, and names that user", (t) =>
      withSubject(factory, async ({ stores }) => {
        const users = stores.users;
        if (!isBatchUserStore(users)) return void t.skip(NOT_BATCH);
        const taken = await users.createUser(makeUser());
        const batch = [
          importedUser(null),
          importedUser(null),
          importedUser(null, taken.username.toUpperCase()),
          importedUser(null),
        ];
        await assert.rejects(
          users.createUsersAtomically(batch),
          (error: unknown) =>
            error instanceof UsernameTakenError && error.message.includes(taken.username.toUpperCase()),
        );
        for (const user of batch.filter((u) => u.usernameKey !== taken.username.toLowerCase())) {
          assert.equal(
            await users.getUserByUsernameKey(user.usernameKey),
            null,
            `${user.username}, written before the failure, was rolled back`,
          );
        }
        assert.deepEqual(
          await users.getUserByUsernameKey(taken.username.toLowerCase()),
          taken,
          "the user already there is untouched",
        );
      }));

    it("lets exactly one of a burst of simultaneous batches sharing a username in, and leaves nothing of the others", (t) =>
      withSubject(factory, async ({ stores }) => {
        const users = stores.users;
        if (!isBatchUserStore(users)) return void t.skip(NOT_BATCH);
        const shared = `shared-${Date.now()}`;
        const batches = Array.from({ length: 8 }, () => [
          importedUser(null),
          importedUser(null, shared),
          importedUser(null),
        ]);
        const results = await Promise.allSettled(batches.map((b) => users.createUsersAtomically(b)));
        assert.equal(results.filter((r) => r.status === "fulfilled").length, 1, "one batch is written");
        assert.ok(
          results.every((r) => r.status === "fulfilled" || r.reason instanceof UsernameTakenError),
          "the others fail on the taken username",
        );
        const winner = results.findIndex((r) => r.status === "fulfilled");
        for (const [i, batch] of batches.entries()) {
          for (const user of [batch[0], batch[2]]) {
            const found = await users.getUserByUsernameKey(user?.usernameKey ?? "");
            assert.equal(found !== null, i === winner, `batch ${i}: ${user?.username}`);
          }
        }
      }));
  });
}
