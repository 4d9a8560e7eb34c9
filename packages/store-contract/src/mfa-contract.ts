import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, it } from "node:test";
import type { MfaStore, PendingLoginRecord, Stores, TotpRecord } from "@latchkey/core";
import { NOW } from "./fixtures.js";
import { withSubject, type StoreContractFactory, type StoreContractSubject } from "./subject.js";

const MINUTE_MS = 60_000;
/** Simultaneous calls in each race test: enough to interleave on every backend. */
const BURST = 25;

function hash(): string {
  return randomUUID().replaceAll("-", "").padEnd(64, "0");
}

function makeTotp(overrides: Partial<TotpRecord> = {}): TotpRecord {
  return {
    userId: "1",
    sealedSecret: "v1.k1.aXY.Y2lwaGVydGV4dA",
    confirmed: false,
    lastUsedStep: null,
    createdAt: NOW,
    ...overrides,
  };
}

function makePending(overrides: Partial<PendingLoginRecord> = {}): PendingLoginRecord {
  return {
    tokenHash: hash(),
    userId: "1",
    kind: "cookie",
    label: null,
    createdAt: NOW,
    expiresAt: NOW + 5 * MINUTE_MS,
    ...overrides,
  };
}

function mfaOf(stores: Stores): MfaStore {
  if (stores.mfa === undefined) throw new Error("the subject has no MFA store");
  return stores.mfa;
}

/** The store itself and, when the backend is shared, two more connections to it: races then cross processes. */
async function connections(subject: StoreContractSubject): Promise<MfaStore[]> {
  const others = subject.reopen === undefined ? [] : [mfaOf(await subject.reopen()), mfaOf(await subject.reopen())];
  return [mfaOf(subject.stores), ...others];
}

function at<T>(list: readonly T[], i: number): T {
  const item = list[i % list.length];
  if (item === undefined) throw new Error("empty list");
  return item;
}

/**
 * Registers the {@link MfaStore} contract: TOTP records with their compare-and-set step,
 * single-use recovery codes and pending logins, each race run as a burst of simultaneous calls.
 */
export function mfaContract(factory: StoreContractFactory, hasMfa: boolean): void {
  const skip = hasMfa ? false : "this store has no MfaStore: the second-factor routes are off with it";
  describe("MfaStore", { skip }, () => {
    it("saves a TOTP record, replaces it and deletes it", () =>
      withSubject(factory, async ({ stores }) => {
        const mfa = mfaOf(stores);
        assert.equal(await mfa.getTotp("1"), null);
        const first = makeTotp();
        await mfa.saveTotp(first);
        assert.deepEqual(await mfa.getTotp("1"), first);
        const second = makeTotp({ sealedSecret: "v1.k2.bmV3.c2VjcmV0", confirmed: true, lastUsedStep: 5 });
        await mfa.saveTotp(second);
        assert.deepEqual(await mfa.getTotp("1"), second);
        assert.equal(await mfa.getTotp("2"), null);
        assert.equal(await mfa.deleteTotp("1"), true);
        assert.equal(await mfa.deleteTotp("1"), false);
        assert.equal(await mfa.getTotp("1"), null);
      }));

    it("accepts a TOTP step only when it is later than the last one accepted, and confirms on request", () =>
      withSubject(factory, async ({ stores }) => {
        const mfa = mfaOf(stores);
        assert.equal(await mfa.acceptTotpStep("1", 100, { confirm: true }), false, "no record: nothing to accept");
        await mfa.saveTotp(makeTotp());
        assert.equal(await mfa.acceptTotpStep("1", 56_666_666, { confirm: false }), true);
        assert.deepEqual(await mfa.getTotp("1"), makeTotp({ lastUsedStep: 56_666_666 }));
        assert.equal(
          await mfa.acceptTotpStep("1", 56_666_666, { confirm: true }),
          false,
          "the same step again is a replay",
        );
        assert.equal(
          await mfa.acceptTotpStep("1", 56_666_665, { confirm: true }),
          false,
          "an earlier step is refused too",
        );
        assert.equal((await mfa.getTotp("1"))?.confirmed, false);
        assert.equal(await mfa.acceptTotpStep("1", 56_666_667, { confirm: true }), true);
        assert.deepEqual(await mfa.getTotp("1"), makeTotp({ lastUsedStep: 56_666_667, confirmed: true }));
        assert.equal(await mfa.acceptTotpStep("1", 56_666_668, { confirm: false }), true);
        assert.equal((await mfa.getTotp("1"))?.confirmed, true, "accepting without confirm never unconfirms");
      }));

    it(`accepts one TOTP step for exactly one of ${BURST} simultaneous uses, across connections when the backend is shared`, () =>
      withSubject(factory, async (subject) => {
        const all = await connections(subject);
        await at(all, 0).saveTotp(makeTotp({ confirmed: true, lastUsedStep: 1 }));
        const results = await Promise.all(
          Array.from({ length: BURST }, (_, i) => at(all, i).acceptTotpStep("1", 2, { confirm: false })),
        );
        assert.equal(results.filter(Boolean).length, 1);
      }));

    it("keeps recovery codes hashed per user: counts them, uses each once, and a new set replaces the old", () =>
      withSubject(factory, async ({ stores }) => {
        const mfa = mfaOf(stores);
        const codes = Array.from({ length: 10 }, hash);
        await mfa.replaceRecoveryCodes("1", codes, NOW);
        await mfa.replaceRecoveryCodes("2", [hash()], NOW);
        assert.equal(await mfa.countRecoveryCodes("1"), 10);
        assert.equal(await mfa.useRecoveryCode("2", codes[0] ?? ""), false, "another user's code is not theirs");
        assert.equal(await mfa.useRecoveryCode("1", codes[0] ?? ""), true);
        assert.equal(await mfa.useRecoveryCode("1", codes[0] ?? ""), false);
        assert.equal(await mfa.countRecoveryCodes("1"), 9);
        const fresh = [hash(), hash()];
        await mfa.replaceRecoveryCodes("1", fresh, NOW + 1);
        assert.equal(await mfa.countRecoveryCodes("1"), 2);
        assert.equal(await mfa.useRecoveryCode("1", codes[1] ?? ""), false, "the old set died");
        assert.equal(await mfa.useRecoveryCode("1", fresh[1] ?? ""), true);
        await mfa.replaceRecoveryCodes("1", [], NOW + 2);
        assert.equal(await mfa.countRecoveryCodes("1"), 0);
        assert.equal(await mfa.countRecoveryCodes("2"), 1);
      }));

    it(`gives one recovery code to exactly one of ${BURST} simultaneous uses, across connections when the backend is shared`, () =>
      withSubject(factory, async (subject) => {
        const all = await connections(subject);
        const code = hash();
        await at(all, 0).replaceRecoveryCodes("1", [code, hash()], NOW);
        const results = await Promise.all(
          Array.from({ length: BURST }, (_, i) => at(all, i).useRecoveryCode("1", code)),
        );
        assert.equal(results.filter(Boolean).length, 1);
        assert.equal(await at(all, 0).countRecoveryCodes("1"), 1);
      }));

    it("reads a pending login without using it, consumes it once, and refuses it once expired", () =>
      withSubject(factory, async ({ stores }) => {
        const mfa = mfaOf(stores);
        const pending = makePending({ kind: "bearer", label: "Phone — ünïcödé" });
        await mfa.savePendingLogin(pending);
        assert.deepEqual(await mfa.getPendingLogin(pending.tokenHash, NOW), pending);
        assert.deepEqual(await mfa.getPendingLogin(pending.tokenHash, NOW), pending);
        assert.equal(await mfa.getPendingLogin(pending.tokenHash, pending.expiresAt), null);
        assert.deepEqual(await mfa.consumePendingLogin(pending.tokenHash, NOW), pending);
        assert.equal(await mfa.consumePendingLogin(pending.tokenHash, NOW), null);
        assert.equal(await mfa.getPendingLogin(pending.tokenHash, NOW), null);
        const expired = makePending();
        await mfa.savePendingLogin(expired);
        assert.equal(await mfa.consumePendingLogin(expired.tokenHash, expired.expiresAt), null);
        assert.equal(
          await mfa.consumePendingLogin(expired.tokenHash, NOW),
          null,
          "an expired pending login stays used up",
        );
      }));

    it(`gives one pending login to exactly one of ${BURST} simultaneous consumers, across connections when the backend is shared`, () =>
      withSubject(factory, async (subject) => {
        const all = await connections(subject);
        const pending = makePending();
        await at(all, 0).savePendingLogin(pending);
        const results = await Promise.all(
          Array.from({ length: BURST }, (_, i) => at(all, i).consumePendingLogin(pending.tokenHash, NOW)),
        );
        assert.equal(results.filter((r) => r !== null).length, 1);
      }));

    it("purges expired pending logins and keeps live ones", () =>
      withSubject(factory, async ({ stores }) => {
        const mfa = mfaOf(stores);
        const live = makePending();
        await mfa.savePendingLogin(live);
        await mfa.savePendingLogin(makePending({ expiresAt: NOW - 1 }));
        await mfa.savePendingLogin(makePending({ expiresAt: NOW }));
        assert.equal(await mfa.deleteExpiredPendingLogins(NOW), 2);
        assert.deepEqual(await mfa.getPendingLogin(live.tokenHash, NOW), live);
      }));

    it("deletes every factor and pending login of one user and nobody else's", () =>
      withSubject(factory, async ({ stores }) => {
        const mfa = mfaOf(stores);
        await mfa.saveTotp(makeTotp({ userId: "1", confirmed: true }));
        await mfa.saveTotp(makeTotp({ userId: "2", confirmed: true }));
        await mfa.replaceRecoveryCodes("1", [hash()], NOW);
        await mfa.replaceRecoveryCodes("2", [hash()], NOW);
        const mine = makePending({ userId: "1" });
        const theirs = makePending({ userId: "2" });
        await mfa.savePendingLogin(mine);
        await mfa.savePendingLogin(theirs);
        await mfa.deleteUserFactors("1");
        assert.equal(await mfa.getTotp("1"), null);
        assert.equal(await mfa.countRecoveryCodes("1"), 0);
        assert.equal(await mfa.getPendingLogin(mine.tokenHash, NOW), null);
        assert.notEqual(await mfa.getTotp("2"), null);
        assert.equal(await mfa.countRecoveryCodes("2"), 1);
        assert.deepEqual(await mfa.getPendingLogin(theirs.tokenHash, NOW), theirs);
      }));
  });
}
