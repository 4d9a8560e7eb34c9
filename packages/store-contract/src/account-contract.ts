import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, it } from "node:test";
import type { AccountKeyRecord, AccountStore, OutboxMessage, Stores } from "@latchkey/core";
import { makeUser, NOW } from "./fixtures.js";
import { withSubject, type StoreContractFactory } from "./subject.js";

const HOUR_MS = 3_600_000;

function makeKey(overrides: Partial<AccountKeyRecord> = {}): AccountKeyRecord {
  return {
    keyHash: randomUUID().replaceAll("-", "").padEnd(64, "0"),
    purpose: "reset_password",
    userId: "1",
    email: "ada@example.com",
    passwordStamp: "stamp",
    createdAt: NOW,
    expiresAt: NOW + HOUR_MS,
    ...overrides,
  };
}

function makeMessage(overrides: Partial<OutboxMessage> = {}): OutboxMessage {
  return {
    id: randomUUID(),
    to: "ada@example.com",
    subject: "Reset — ünïcödé",
    text: "Link: https://x/?key=abc",
    html: "<p>Link</p>",
    createdAt: NOW,
    ...overrides,
  };
}

function accountsOf(stores: Stores): AccountStore {
  if (stores.accounts === undefined) throw new Error("the subject has no account store");
  return stores.accounts;
}

/**
 * Registers the {@link AccountStore} contract (keys, verified addresses, freshness, outbox)
 * and the user lookups the account routes need. A store without `accounts` skips it loudly.
 */
export function accountContract(factory: StoreContractFactory, hasAccounts: boolean): void {
  const skip = hasAccounts ? false : "this store has no AccountStore: the account-lifecycle routes are off with it";
  describe("AccountStore", { skip }, () => {
    it("hands a key out once: the second use finds nothing", () =>
      withSubject(factory, async ({ stores }) => {
        const accounts = accountsOf(stores);
        const key = makeKey();
        await accounts.createKey(key, null);
        assert.deepEqual(await accounts.consumeKey(key.keyHash, "reset_password", NOW), key);
        assert.equal(await accounts.consumeKey(key.keyHash, "reset_password", NOW), null);
      }));

    it("refuses a key for another purpose and keeps it for its own", () =>
      withSubject(factory, async ({ stores }) => {
        const accounts = accountsOf(stores);
        const key = makeKey({ purpose: "verify_email" });
        await accounts.createKey(key, null);
        assert.equal(await accounts.consumeKey(key.keyHash, "reset_password", NOW), null);
        assert.deepEqual(await accounts.consumeKey(key.keyHash, "verify_email", NOW), key);
      }));

    it("refuses an expired key, and it stays used up", () =>
      withSubject(factory, async ({ stores }) => {
        const accounts = accountsOf(stores);
        const key = makeKey();
        await accounts.createKey(key, null);
        assert.equal(await accounts.consumeKey(key.keyHash, "reset_password", key.expiresAt), null);
        assert.equal(await accounts.consumeKey(key.keyHash, "reset_password", NOW), null);
      }));

    it("gives a key to exactly one of 25 simultaneous uses, across connections when the backend is shared", () =>
      withSubject(factory, async (subject) => {
        const accounts = accountsOf(subject.stores);
        const others =
          subject.reopen === undefined ? [] : [accountsOf(await subject.reopen()), accountsOf(await subject.reopen())];
        const all = [accounts, ...others];
        const key = makeKey();
        await accounts.createKey(key, null);
        const results = await Promise.all(
          Array.from({ length: 25 }, (_, i) =>
            (all[i % all.length] as AccountStore).consumeKey(key.keyHash, "reset_password", NOW),
          ),
        );
        assert.equal(results.filter((r) => r !== null).length, 1);
      }));

    it("deletes a user's keys of one purpose, then all of them", () =>
      withSubject(factory, async ({ stores }) => {
        const accounts = accountsOf(stores);
        const reset = makeKey({ userId: "7" });
        const verify = makeKey({ userId: "7", purpose: "verify_email" });
        const other = makeKey({ userId: "8" });
        for (const key of [reset, verify, other]) await accounts.createKey(key, null);
        assert.equal(await accounts.deleteUserKeys("7", "reset_password"), 1);
        assert.equal(await accounts.consumeKey(reset.keyHash, "reset_password", NOW), null);
        assert.equal(await accounts.deleteUserKeys("7"), 1);
        assert.equal(await accounts.consumeKey(verify.keyHash, "verify_email", NOW), null);
        assert.deepEqual(await accounts.consumeKey(other.keyHash, "reset_password", NOW), other);
      }));

    it("remembers verified addresses per user, and forgets them with the user's data", () =>
      withSubject(factory, async ({ stores }) => {
        const accounts = accountsOf(stores);
        await accounts.markEmailVerified("3", "ada@example.com");
        await accounts.markEmailVerified("3", "ada@example.com");
        assert.equal(await accounts.isEmailVerified("3", "ada@example.com"), true);
        assert.equal(await accounts.isEmailVerified("3", "eve@example.com"), false);
        assert.equal(await accounts.isEmailVerified("4", "ada@example.com"), false);
        const key = makeKey({ userId: "3" });
        await accounts.createKey(key, null);
        await accounts.deleteUserData("3");
        assert.equal(await accounts.isEmailVerified("3", "ada@example.com"), false);
        assert.equal(await accounts.consumeKey(key.keyHash, "reset_password", NOW), null);
      }));

    it("records when a session last re-authenticated", () =>
      withSubject(factory, async ({ stores }) => {
        const accounts = accountsOf(stores);
        assert.equal(await accounts.getSessionFreshAt("s1"), null);
        await accounts.setSessionFreshAt("s1", NOW);
        await accounts.setSessionFreshAt("s1", NOW + 5);
        assert.equal(await accounts.getSessionFreshAt("s1"), NOW + 5);
      }));

    it("stores a key's message with it, and leases each due message to one sender until the lease ends", () =>
      withSubject(factory, async ({ stores }) => {
        const accounts = accountsOf(stores);
        const message = makeMessage();
        await accounts.createKey(makeKey(), message);
        assert.equal(await accounts.countPendingMessages(), 1);
        const [claimed, ...rest] = await accounts.claimMessages({ now: NOW, leaseMs: 60_000, limit: 10 });
        assert.deepEqual(rest, []);
        assert.deepEqual(claimed, { ...message, attempts: 1 });
        assert.deepEqual(await accounts.claimMessages({ now: NOW + 1, leaseMs: 60_000, limit: 10 }), []);
        const again = await accounts.claimMessages({ now: NOW + 60_000, leaseMs: 60_000, limit: 10 });
        assert.deepEqual(again, [{ ...message, attempts: 2 }]);
        await accounts.completeMessage(message.id);
        assert.equal(await accounts.countPendingMessages(), 0);
        assert.deepEqual(await accounts.claimMessages({ now: NOW + 10 * HOUR_MS, leaseMs: 60_000, limit: 10 }), []);
      }));

    it("holds a failed message back until its retry time", () =>
      withSubject(factory, async ({ stores }) => {
        const accounts = accountsOf(stores);
        const message = makeMessage();
        await accounts.enqueueMessage(message);
        await accounts.claimMessages({ now: NOW, leaseMs: 60_000, limit: 10 });
        await accounts.retryMessage(message.id, NOW + 120_000, "421 try later");
        assert.deepEqual(await accounts.claimMessages({ now: NOW + 119_999, leaseMs: 60_000, limit: 10 }), []);
        assert.equal((await accounts.claimMessages({ now: NOW + 120_000, leaseMs: 60_000, limit: 10 })).length, 1);
      }));

    it("hands each of 20 messages to exactly one of 8 senders claiming at once", () =>
      withSubject(factory, async (subject) => {
        const accounts = accountsOf(subject.stores);
        const others =
          subject.reopen === undefined ? [] : [accountsOf(await subject.reopen()), accountsOf(await subject.reopen())];
        const all = [accounts, ...others];
        const messages = Array.from({ length: 20 }, (_, i) => makeMessage({ createdAt: NOW + i }));
        for (const message of messages) await accounts.enqueueMessage(message);
        const batches = await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            (all[i % all.length] as AccountStore).claimMessages({ now: NOW + 100, leaseMs: 60_000, limit: 5 }),
          ),
        );
        const ids = batches.flat().map((m) => m.id);
        assert.equal(new Set(ids).size, ids.length, "a message was handed to two senders");
        assert.deepEqual([...ids].sort(), messages.map((m) => m.id).sort());
      }));
  });

  describe("UserStore lookups for the account routes", { skip }, () => {
    it("finds a user by address case-insensitively, and never by an empty address", () =>
      withSubject(factory, async ({ stores }) => {
        const { users } = stores;
        if (users.getUserByEmail === undefined) throw new Error("getUserByEmail is missing");
        const created = await users.createUser(makeUser({ email: "Grace.Hopper@Example.com" }));
        await users.createUser(makeUser({ email: "" }));
        assert.deepEqual(await users.getUserByEmail("grace.hopper@example.COM"), created);
        assert.equal(await users.getUserByEmail("nobody@example.com"), null);
        assert.equal(await users.getUserByEmail(""), null);
      }));

    it("deletes a user, and a second delete finds nothing", () =>
      withSubject(factory, async ({ stores }) => {
        const { users } = stores;
        if (users.deleteUser === undefined) throw new Error("deleteUser is missing");
        const created = await users.createUser(makeUser({ groups: ["staff"], permissions: ["a.b"] }));
        assert.equal(await users.deleteUser(String(created.id)), true);
        assert.equal(await users.getUserById(String(created.id)), null);
        assert.equal(await users.deleteUser(String(created.id)), false);
        assert.equal(await users.deleteUser("not-an-id"), false);
      }));
  });
}
