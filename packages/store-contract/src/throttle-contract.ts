import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { uniquePrefix } from "./fixtures.js";
import { withSubject, type StoreContractFactory } from "./subject.js";

/**
 * Checks that a limiter refused an event the way `rate-limiter-flexible` does: by rejecting
 * with a `RateLimiterRes` (not an `Error`, which would mean the store failed) that says how
 * long to wait. Checked by shape so this package needs no dependency on the library.
 */
function isRefusal(reason: unknown): boolean {
  assert.ok(typeof reason === "object" && reason !== null, `expected a RateLimiterRes, got ${String(reason)}`);
  assert.ok(!(reason instanceof Error), `expected a RateLimiterRes, got the error ${String(reason)}`);
  assert.equal(reason.constructor.name, "RateLimiterRes");
  assert.ok("msBeforeNext" in reason && typeof reason.msBeforeNext === "number" && reason.msBeforeNext > 0);
  assert.ok("remainingPoints" in reason && reason.remainingPoints === 0);
  return true;
}

/** Registers the {@link ThrottleStore} part of the contract. */
export function throttleContract(factory: StoreContractFactory): void {
  describe("ThrottleStore", () => {
    it("allows `points` events per key, then refuses with a RateLimiterRes saying when to retry", () =>
      withSubject(factory, async ({ stores }) => {
        const limiter = stores.throttle.createLimiter({ keyPrefix: uniquePrefix(), points: 3, durationSeconds: 60 });
        for (let i = 1; i <= 3; i += 1) {
          const result = await limiter.consume("203.0.113.7");
          assert.equal(result.consumedPoints, i);
          assert.equal(result.remainingPoints, 3 - i);
        }
        await assert.rejects(limiter.consume("203.0.113.7"), isRefusal);
        // Another key has its own count.
        assert.equal((await limiter.consume("198.51.100.1")).consumedPoints, 1);
      }));

    it("get() reports the consumed points, and null for a key never seen", () =>
      withSubject(factory, async ({ stores }) => {
        const limiter = stores.throttle.createLimiter({ keyPrefix: uniquePrefix(), points: 5, durationSeconds: 60 });
        assert.equal(await limiter.get("alice"), null);
        await limiter.consume("alice");
        await limiter.consume("alice");
        const state = await limiter.get("alice");
        assert.equal(state?.consumedPoints, 2);
        assert.ok(state !== null && state.msBeforeNext > 0);
      }));

    it("delete() resets a key so it may act again", () =>
      withSubject(factory, async ({ stores }) => {
        const limiter = stores.throttle.createLimiter({ keyPrefix: uniquePrefix(), points: 1, durationSeconds: 60 });
        await limiter.consume("alice");
        await assert.rejects(limiter.consume("alice"), isRefusal);
        await limiter.delete("alice");
        assert.equal(await limiter.get("alice"), null);
        assert.equal((await limiter.consume("alice")).consumedPoints, 1);
      }));

    it("keeps separate counts for limiters with different key prefixes", () =>
      withSubject(factory, async ({ stores }) => {
        const login = stores.throttle.createLimiter({ keyPrefix: uniquePrefix(), points: 1, durationSeconds: 60 });
        const signup = stores.throttle.createLimiter({ keyPrefix: uniquePrefix(), points: 1, durationSeconds: 60 });
        await login.consume("alice");
        await assert.rejects(login.consume("alice"), isRefusal);
        assert.equal((await signup.consume("alice")).consumedPoints, 1);
      }));

    it("shares counts between instances over the same backend, so every process sees one limit", (t) =>
      withSubject(factory, async ({ stores, reopen }) => {
        if (reopen === undefined) {
          t.skip("this store's backend belongs to one instance; there is no second instance to share it");
          return;
        }
        const other = await reopen();
        const spec = { keyPrefix: uniquePrefix(), points: 2, durationSeconds: 60 };
        const here = stores.throttle.createLimiter(spec);
        const there = other.throttle.createLimiter(spec);
        await here.consume("alice");
        assert.equal((await there.consume("alice")).consumedPoints, 2);
        await assert.rejects(here.consume("alice"), isRefusal);
        await there.delete("alice");
        assert.equal(await here.get("alice"), null);
      }));
  });
}
