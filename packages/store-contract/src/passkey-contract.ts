import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, it } from "node:test";
import type { PasskeyRecord, PasskeyStore, Stores, WebauthnChallengeRecord } from "@latchkey/core";
import { NOW } from "./fixtures.js";
import { withSubject, type StoreContractFactory } from "./subject.js";

const MINUTE_MS = 60_000;

function makePasskey(overrides: Partial<PasskeyRecord> = {}): PasskeyRecord {
  return {
    id: randomUUID(),
    userId: "1",
    credentialId: randomUUID().replaceAll("-", ""),
    publicKey: new Uint8Array([0xa5, 0x01, 0x02, 0x03, 0x26, 0x00, 0xff]),
    counter: 0,
    transports: ["internal", "hybrid"],
    deviceType: "multiDevice",
    backedUp: true,
    name: "Laptop — ünïcödé",
    createdAt: NOW,
    lastUsedAt: null,
    ...overrides,
  };
}

function makeChallenge(overrides: Partial<WebauthnChallengeRecord> = {}): WebauthnChallengeRecord {
  return {
    challengeHash: randomUUID().replaceAll("-", "").padEnd(64, "0"),
    purpose: "login",
    userId: null,
    expiresAt: NOW + 5 * MINUTE_MS,
    ...overrides,
  };
}

function passkeysOf(stores: Stores): PasskeyStore {
  if (stores.passkeys === undefined) throw new Error("the subject has no passkey store");
  return stores.passkeys;
}

/** The stores to race on: the subject's own and, when the backend is shared, two more connections. */
async function racers(subject: { stores: Stores; reopen?(): Promise<Stores> }): Promise<PasskeyStore[]> {
  const own = passkeysOf(subject.stores);
  if (subject.reopen === undefined) return [own];
  return [own, passkeysOf(await subject.reopen()), passkeysOf(await subject.reopen())];
}

/** Registers the {@link PasskeyStore} contract. A store without `passkeys` skips it loudly. */
export function passkeyContract(factory: StoreContractFactory, hasPasskeys: boolean): void {
  const skip = hasPasskeys ? false : "this store has no PasskeyStore: the passkey routes are off with it";
  describe("PasskeyStore", { skip }, () => {
    it("saves a credential and finds it by credential id and in its owner's list, byte for byte", () =>
      withSubject(factory, async ({ stores }) => {
        const passkeys = passkeysOf(stores);
        const first = makePasskey({ createdAt: NOW });
        const second = makePasskey({
          createdAt: NOW + 1,
          transports: [],
          deviceType: "singleDevice",
          backedUp: false,
          counter: 7,
        });
        assert.equal(await passkeys.createCredential(second), true);
        assert.equal(await passkeys.createCredential(first), true);
        assert.deepEqual(await passkeys.findByCredentialId(first.credentialId), first);
        assert.deepEqual(await passkeys.listCredentials("1"), [first, second]);
        assert.deepEqual(await passkeys.listCredentials("2"), []);
        assert.equal(await passkeys.findByCredentialId("unknown"), null);
      }));

    it("refuses a credential id already registered, even to another user, and keeps the first", () =>
      withSubject(factory, async ({ stores }) => {
        const passkeys = passkeysOf(stores);
        const first = makePasskey();
        assert.equal(await passkeys.createCredential(first), true);
        assert.equal(
          await passkeys.createCredential(
            makePasskey({ credentialId: first.credentialId, userId: "2", name: "stolen" }),
          ),
          false,
        );
        assert.deepEqual(await passkeys.findByCredentialId(first.credentialId), first);
        assert.deepEqual(await passkeys.listCredentials("2"), []);
      }));

    it("returns copies: changing a returned record changes nothing stored", () =>
      withSubject(factory, async ({ stores }) => {
        const passkeys = passkeysOf(stores);
        const record = makePasskey();
        await passkeys.createCredential(record);
        const found = await passkeys.findByCredentialId(record.credentialId);
        assert.ok(found);
        found.name = "changed";
        found.publicKey[0] = 0;
        assert.deepEqual(await passkeys.findByCredentialId(record.credentialId), record);
      }));

    it("renames and deletes only the owner's credential; another user's id is refused and untouched", () =>
      withSubject(factory, async ({ stores }) => {
        const passkeys = passkeysOf(stores);
        const record = makePasskey({ userId: "1" });
        await passkeys.createCredential(record);
        assert.equal(await passkeys.renameCredential("2", record.id, "mine now"), false);
        assert.equal(await passkeys.deleteCredential("2", record.id), false);
        assert.deepEqual(await passkeys.findByCredentialId(record.credentialId), record);
        assert.equal(await passkeys.renameCredential("1", record.id, "Phone"), true);
        assert.equal((await passkeys.findByCredentialId(record.credentialId))?.name, "Phone");
        assert.equal(await passkeys.deleteCredential("1", record.id), true);
        assert.equal(await passkeys.deleteCredential("1", record.id), false);
        assert.equal(await passkeys.findByCredentialId(record.credentialId), null);
      }));

    it("records a use only while the counter is still the expected one (compare-and-set)", () =>
      withSubject(factory, async ({ stores }) => {
        const passkeys = passkeysOf(stores);
        const record = makePasskey({ counter: 3 });
        await passkeys.createCredential(record);
        assert.equal(await passkeys.recordUse(record.id, 2, 9, NOW + 5), false);
        assert.equal(await passkeys.recordUse(record.id, 3, 4, NOW + 10), true);
        assert.deepEqual(await passkeys.findByCredentialId(record.credentialId), {
          ...record,
          counter: 4,
          lastUsedAt: NOW + 10,
        });
        assert.equal(await passkeys.recordUse("no-such-id", 0, 1, NOW), false);
      }));

    it("lets exactly one of 25 simultaneous uses with one counter value record, across connections when shared", () =>
      withSubject(factory, async (subject) => {
        const all = await racers(subject);
        const record = makePasskey({ counter: 10 });
        await passkeysOf(subject.stores).createCredential(record);
        const results = await Promise.all(
          Array.from({ length: 25 }, (_, i) =>
            (all[i % all.length] as PasskeyStore).recordUse(record.id, 10, 11, NOW + i),
          ),
        );
        assert.equal(results.filter(Boolean).length, 1);
      }));

    it("deletes every credential of one user and no one else's, counting them", () =>
      withSubject(factory, async ({ stores }) => {
        const passkeys = passkeysOf(stores);
        await passkeys.createCredential(makePasskey({ userId: "1" }));
        await passkeys.createCredential(makePasskey({ userId: "1" }));
        const other = makePasskey({ userId: "2" });
        await passkeys.createCredential(other);
        assert.equal(await passkeys.deleteUserCredentials("1"), 2);
        assert.deepEqual(await passkeys.listCredentials("1"), []);
        assert.deepEqual(await passkeys.listCredentials("2"), [other]);
      }));

    it("hands a challenge out once, and only for its purpose", () =>
      withSubject(factory, async ({ stores }) => {
        const passkeys = passkeysOf(stores);
        const challenge = makeChallenge({ purpose: "register", userId: "1" });
        await passkeys.saveChallenge(challenge);
        assert.equal(await passkeys.consumeChallenge(challenge.challengeHash, "login", NOW), null);
        assert.deepEqual(await passkeys.consumeChallenge(challenge.challengeHash, "register", NOW), challenge);
        assert.equal(await passkeys.consumeChallenge(challenge.challengeHash, "register", NOW), null);
      }));

    it("refuses an expired challenge, and it stays used up", () =>
      withSubject(factory, async ({ stores }) => {
        const passkeys = passkeysOf(stores);
        const challenge = makeChallenge();
        await passkeys.saveChallenge(challenge);
        assert.equal(await passkeys.consumeChallenge(challenge.challengeHash, "login", challenge.expiresAt), null);
        assert.equal(await passkeys.consumeChallenge(challenge.challengeHash, "login", NOW), null);
      }));

    it("gives a challenge to exactly one of 25 simultaneous uses, across connections when the backend is shared", () =>
      withSubject(factory, async (subject) => {
        const all = await racers(subject);
        const challenge = makeChallenge({ purpose: "second_factor", userId: "3" });
        await passkeysOf(subject.stores).saveChallenge(challenge);
        const results = await Promise.all(
          Array.from({ length: 25 }, (_, i) =>
            (all[i % all.length] as PasskeyStore).consumeChallenge(challenge.challengeHash, "second_factor", NOW),
          ),
        );
        assert.equal(results.filter((r) => r !== null).length, 1);
      }));
  });
}
