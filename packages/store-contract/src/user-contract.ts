import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { UsernameTakenError, type NewUser, type UserRecord } from "@latchkey/core";
import { makeUser, NOW } from "./fixtures.js";
import { tryToChange, withSubject, type StoreContractFactory } from "./subject.js";

/** The record a store must return for `user` under `id`, before any update or login. */
function expectedRecord(id: number | string, user: NewUser): UserRecord {
  return {
    id,
    username: user.username,
    email: user.email,
    firstName: user.firstName,
    lastName: user.lastName,
    isActive: user.isActive,
    isStaff: user.isStaff,
    isSuperuser: user.isSuperuser,
    groups: [...new Set(user.groups)].sort(),
    permissions: [...new Set(user.permissions)].sort(),
    dateJoined: user.dateJoined,
    lastLogin: null,
    passwordHash: user.passwordHash,
  };
}

/** Registers the {@link UserStore} part of the contract: lookups and creation. */
export function userContract(factory: StoreContractFactory): void {
  describe("UserStore", () => {
    it("creates a user that getUserById() finds by the string form of its id", () =>
      withSubject(factory, async ({ stores }) => {
        const user = makeUser({ isStaff: true, passwordHash: null });
        const created = await stores.users.createUser(user);
        assert.deepEqual(created, expectedRecord(created.id, user));
        assert.deepEqual(await stores.users.getUserById(String(created.id)), created);
      }));

    it("gives each created user a different id", () =>
      withSubject(factory, async ({ stores }) => {
        const a = await stores.users.createUser(makeUser());
        const b = await stores.users.createUser(makeUser());
        assert.notEqual(String(a.id), String(b.id));
      }));

    it("getUserByUsernameKey() finds the user by key and gives null for an unknown key", () =>
      withSubject(factory, async ({ stores }) => {
        const user = makeUser();
        const created = await stores.users.createUser(user);
        assert.deepEqual(await stores.users.getUserByUsernameKey(user.usernameKey), created);
        assert.equal(await stores.users.getUserByUsernameKey("nobody"), null);
      }));

    it("getUserById() gives null for an unknown id and for strings that are no id", () =>
      withSubject(factory, async ({ stores }) => {
        await stores.users.createUser(makeUser());
        for (const id of ["999999", "0", "-1", "1.5", "abc", "", " 1", "1 OR 1=1"]) {
          assert.equal(await stores.users.getUserById(id), null, `id ${JSON.stringify(id)}`);
        }
      }));

    it("rejects a taken username key with UsernameTakenError and keeps the first user", () =>
      withSubject(factory, async ({ stores }) => {
        const first = await stores.users.createUser(makeUser({ username: "Alice", usernameKey: "alice" }));
        await assert.rejects(
          stores.users.createUser(makeUser({ username: "ALICE", usernameKey: "alice" })),
          UsernameTakenError,
        );
        assert.deepEqual(await stores.users.getUserByUsernameKey("alice"), first);
      }));

    it("lets exactly one of 10 concurrent creates of one username key win", () =>
      withSubject(factory, async ({ stores }) => {
        const results = await Promise.allSettled(
          Array.from({ length: 10 }, () => stores.users.createUser(makeUser({ usernameKey: "race" }))),
        );
        const won = results.filter((r) => r.status === "fulfilled");
        const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
        assert.equal(won.length, 1);
        for (const loss of lost) assert.ok(loss.reason instanceof UsernameTakenError, String(loss.reason));
      }));

    it("hands out copies or frozen records, so changing a returned record leaves the stored user alone", () =>
      withSubject(factory, async ({ stores }) => {
        const created = await stores.users.createUser(makeUser({ groups: ["staff"], permissions: ["a.b"] }));
        const expected = structuredClone(created);
        tryToChange(() => {
          created.email = "changed@example.com";
        });
        tryToChange(() => created.groups.push("admins"));
        tryToChange(() => created.permissions.push("everything"));
        const loaded = await stores.users.getUserById(String(expected.id));
        assert.ok(loaded);
        tryToChange(() => loaded.groups.push("admins"));
        tryToChange(() => {
          loaded.email = "changed@example.com";
        });
        assert.deepEqual(await stores.users.getUserById(String(expected.id)), expected);
      }));

    it("listUsers() orders users by id and pages with limit and offset", () =>
      withSubject(factory, async ({ stores }) => {
        const created: UserRecord[] = [];
        for (let i = 0; i < 5; i += 1) created.push(await stores.users.createUser(makeUser()));
        const byId = [...created].sort((a, b) =>
          typeof a.id === "number" && typeof b.id === "number" ? a.id - b.id : String(a.id) < String(b.id) ? -1 : 1,
        );
        assert.deepEqual(await stores.users.listUsers({ limit: 100, offset: 0 }), byId);
        assert.deepEqual(await stores.users.listUsers({ limit: 2, offset: 0 }), byId.slice(0, 2));
        assert.deepEqual(await stores.users.listUsers({ limit: 2, offset: 2 }), byId.slice(2, 4));
        assert.deepEqual(await stores.users.listUsers({ limit: 2, offset: 4 }), byId.slice(4));
        assert.deepEqual(await stores.users.listUsers({ limit: 2, offset: 5 }), []);
      }));

    it("finds a user created through one instance through every instance over the same backend", (t) =>
      withSubject(factory, async ({ stores, reopen }) => {
        if (reopen === undefined) {
          t.skip("this store's backend belongs to one instance; there is no second instance to share it");
          return;
        }
        const other = await reopen();
        const created = await stores.users.createUser(makeUser());
        assert.deepEqual(await other.users.getUserById(String(created.id)), created);
        await assert.rejects(
          other.users.createUser(makeUser({ usernameKey: created.username.toLowerCase() })),
          UsernameTakenError,
        );
      }));
  });

  describe("UserStore updates, groups and permissions", () => {
    it("updateUser() changes only the fields it is given", () =>
      withSubject(factory, async ({ stores }) => {
        const created = await stores.users.createUser(makeUser({ groups: ["g"], permissions: ["p.x"] }));
        const id = String(created.id);
        const emailOnly = await stores.users.updateUser(id, { email: "new@example.com" });
        assert.deepEqual(emailOnly, { ...created, email: "new@example.com" });
        const many = await stores.users.updateUser(id, {
          firstName: "Grace",
          lastName: "Hopper",
          isActive: false,
          isStaff: true,
          isSuperuser: true,
          passwordHash: "scrypt$new",
          lastLogin: NOW + 5_000,
        });
        const expected: UserRecord = {
          ...created,
          email: "new@example.com",
          firstName: "Grace",
          lastName: "Hopper",
          isActive: false,
          isStaff: true,
          isSuperuser: true,
          passwordHash: "scrypt$new",
          lastLogin: NOW + 5_000,
        };
        assert.deepEqual(many, expected);
        assert.deepEqual(await stores.users.getUserById(id), expected);
        assert.deepEqual(await stores.users.updateUser(id, {}), expected);
      }));

    it("updateUser() can set passwordHash and lastLogin back to null", () =>
      withSubject(factory, async ({ stores }) => {
        const created = await stores.users.createUser(makeUser());
        const id = String(created.id);
        await stores.users.updateUser(id, { lastLogin: NOW });
        const cleared = await stores.users.updateUser(id, { passwordHash: null, lastLogin: null });
        assert.deepEqual(cleared, { ...created, passwordHash: null, lastLogin: null });
      }));

    it("updateUser() gives null for an unknown id and creates nobody", () =>
      withSubject(factory, async ({ stores }) => {
        assert.equal(await stores.users.updateUser("999999", { email: "x@example.com", groups: ["g"] }), null);
        assert.equal(await stores.users.updateUser("not-an-id", { email: "x@example.com" }), null);
        assert.deepEqual(await stores.users.listUsers({ limit: 10, offset: 0 }), []);
      }));

    it("keeps groups and direct permissions, sorted and without duplicates", () =>
      withSubject(factory, async ({ stores }) => {
        const created = await stores.users.createUser(
          makeUser({
            groups: ["staff", "editors", "staff"],
            permissions: ["reports.view", "audit.read", "audit.read"],
          }),
        );
        assert.deepEqual(created.groups, ["editors", "staff"]);
        assert.deepEqual(created.permissions, ["audit.read", "reports.view"]);
        assert.deepEqual(await stores.users.getUserById(String(created.id)), created);
      }));

    it("updateUser() replaces groups and direct permissions", () =>
      withSubject(factory, async ({ stores }) => {
        const created = await stores.users.createUser(makeUser({ groups: ["a", "b"], permissions: ["x.1", "x.2"] }));
        const id = String(created.id);
        const updated = await stores.users.updateUser(id, { groups: ["c"], permissions: ["y.1"] });
        assert.deepEqual(updated, { ...created, groups: ["c"], permissions: ["y.1"] });
        const emptied = await stores.users.updateUser(id, { groups: [], permissions: [] });
        assert.deepEqual(emptied, { ...created, groups: [], permissions: [] });
      }));

    it("includes permissions granted through the user's groups, once each", (t) =>
      withSubject(factory, async ({ stores, setGroupPermissions }) => {
        if (setGroupPermissions === undefined) {
          t.skip("this store's factory cannot grant permissions to a group");
          return;
        }
        await setGroupPermissions("editors", ["articles.edit", "articles.view"]);
        await setGroupPermissions("viewers", ["articles.view"]);
        const created = await stores.users.createUser(
          makeUser({ groups: ["editors", "viewers"], permissions: ["articles.view", "profile.edit"] }),
        );
        const everything = ["articles.edit", "articles.view", "profile.edit"];
        assert.deepEqual(created.permissions, everything);
        const id = String(created.id);
        assert.deepEqual((await stores.users.getUserById(id))?.permissions, everything);
        await setGroupPermissions("editors", ["articles.publish"]);
        assert.deepEqual((await stores.users.getUserById(id))?.permissions, [
          "articles.publish",
          "articles.view",
          "profile.edit",
        ]);
        const left = await stores.users.updateUser(id, { groups: [] });
        assert.deepEqual(left?.permissions, ["articles.view", "profile.edit"]);
      }));
  });
}
