import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CacheLeaseStore } from "@latchkey/core";

/** Fresh lease records (an empty key prefix or schema) for one test, and how to dispose of them. */
export interface CacheLeaseSubject {
  leases: CacheLeaseStore;
  cleanup(): Promise<void>;
}

/** Builds a {@link CacheLeaseSubject}; called once per test. */
export type CacheLeaseFactory = () => Promise<CacheLeaseSubject>;

/** A period no test outlives: leases that must stay live for the whole test. Milliseconds. */
const LONG_MS = 600_000;

async function withLeases(factory: CacheLeaseFactory, test: (leases: CacheLeaseStore) => Promise<void>): Promise<void> {
  const subject = await factory();
  try {
    await test(subject.leases);
  } finally {
    await subject.cleanup();
  }
}

/** Polls (bounded, 10 s) until `check` holds. */
async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`${what} did not happen within 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * The contract of the session cache's lease records ({@link CacheLeaseStore}): what the
 * exact cache's argument needs from a store (docs/production.md, "The session cache").
 */
export function cacheLeaseContract(factory: CacheLeaseFactory): void {
  describe("CacheLeaseStore", () => {
    it("lists a renewed lease as live until it is released, and returns the revocation counter with each renewal", () =>
      withLeases(factory, async (leases) => {
        assert.equal(await leases.renew("p1", LONG_MS), 0);
        assert.deepEqual(await leases.liveLeases(), ["p1"]);
        assert.deepEqual(await leases.recordRevocation(), { counter: 1, leases: ["p1"] });
        assert.equal(await leases.renew("p2", LONG_MS), 1);
        assert.deepEqual((await leases.liveLeases()).sort(), ["p1", "p2"]);
        await leases.release("p1");
        assert.deepEqual(await leases.recordRevocation(), { counter: 2, leases: ["p2"] });
        assert.equal(await leases.renew("p2", LONG_MS), 2, "a renewal of a live lease returns the counter too");
      }));

    it("drops a lease that was not renewed within its period, by the store's own clock", () =>
      withLeases(factory, async (leases) => {
        await leases.renew("short", 200);
        await leases.renew("long", LONG_MS);
        await eventually("the short lease to expire", async () => !(await leases.liveLeases()).includes("short"));
        assert.deepEqual(await leases.liveLeases(), ["long"]);
        await leases.renew("short", LONG_MS);
        assert.deepEqual(
          (await leases.liveLeases()).sort(),
          ["long", "short"],
          "a renewal after the lapse takes the lease again",
        );
      }));

    it("gives each of many simultaneous revocations its own counter value, with none lost", () =>
      withLeases(factory, async (leases) => {
        const results = await Promise.all(Array.from({ length: 50 }, () => leases.recordRevocation()));
        assert.deepEqual(
          results.map((r) => r.counter).sort((a, b) => a - b),
          Array.from({ length: 50 }, (_, i) => i + 1),
        );
      }));

    it("orders each renewal with each revocation: a renewal that returned an older counter is in that revocation's lease list", () =>
      withLeases(factory, async (leases) => {
        // Renewals of new processes and revocations, all at once. Whatever order the store
        // picks, a renewal that did not see revocation c must have written its lease before
        // c's lease list was read; otherwise a revoker would not wait for a cache it missed.
        const renewals = Array.from({ length: 40 }, (_, i) => `p${i}`).map(async (id) => ({
          id,
          counter: await leases.renew(id, LONG_MS),
        }));
        const revocations = Array.from({ length: 20 }, () => leases.recordRevocation());
        const [renewed, revoked] = await Promise.all([Promise.all(renewals), Promise.all(revocations)]);
        for (const revocation of revoked) {
          for (const renewal of renewed) {
            if (renewal.counter < revocation.counter) {
              assert.ok(
                revocation.leases.includes(renewal.id),
                `${renewal.id} renewed before revocation ${revocation.counter} (saw ${renewal.counter}) but is not in its lease list`,
              );
            }
          }
        }
      }));
  });
}
