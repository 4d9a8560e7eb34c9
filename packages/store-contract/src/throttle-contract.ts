import assert from "node:assert/strict";
import { setTimeout as delay } from "node:timers/promises";
import { describe, it } from "node:test";
import type { ThrottleDecision, ThrottleStore } from "@latchkey/core";
import { uniquePrefix } from "./fixtures.js";
import { withSubject, type StoreContractFactory } from "./subject.js";

const WINDOW_SECONDS = 60;

function assertRefused(decision: ThrottleDecision, windowSeconds = WINDOW_SECONDS): void {
  assert.equal(decision.allowed, false, "refused");
  if (decision.allowed) return;
  assert.ok(
    decision.retryAfterMs >= 1 && decision.retryAfterMs <= windowSeconds * 1000,
    `retryAfterMs within the window: ${decision.retryAfterMs}`,
  );
}

/** Consumes until refused (bounded); how many were allowed. */
async function allowedUntilRefused(store: ThrottleStore, key: string, limit: number): Promise<number> {
  for (let allowed = 0; allowed <= limit; allowed += 1) {
    if (!(await store.consume(key, limit, WINDOW_SECONDS)).allowed) return allowed;
  }
  assert.fail(`more than ${limit} allowed on ${key}`);
}

/** Registers the {@link ThrottleStore} part of the contract. */
export function throttleContract(factory: StoreContractFactory): void {
  describe("ThrottleStore", () => {
    it("allows `limit` events per key in a window, then refuses, saying when the window ends", () =>
      withSubject(factory, async ({ stores }) => {
        const key = uniquePrefix();
        for (let i = 1; i <= 3; i += 1)
          assert.deepEqual(await stores.throttle.consume(key, 3, WINDOW_SECONDS), { allowed: true, remaining: 3 - i });
        assertRefused(await stores.throttle.consume(key, 3, WINDOW_SECONDS));
        assertRefused(await stores.throttle.consume(key, 3, WINDOW_SECONDS));
        // Another key has its own count.
        assert.deepEqual(await stores.throttle.consume(`${key}-other`, 3, WINDOW_SECONDS), {
          allowed: true,
          remaining: 2,
        });
      }));

    it("counts nothing for a refused event: a refund after refusals frees exactly one", () =>
      withSubject(factory, async ({ stores }) => {
        const key = uniquePrefix();
        assert.equal(await allowedUntilRefused(stores.throttle, key, 2), 2);
        for (let i = 0; i < 5; i += 1) assertRefused(await stores.throttle.consume(key, 2, WINDOW_SECONDS));
        await stores.throttle.refund(key);
        assert.equal(await allowedUntilRefused(stores.throttle, key, 2), 1);
      }));

    it("refund() takes back one event, and never goes below zero or creates a count", () =>
      withSubject(factory, async ({ stores }) => {
        const key = uniquePrefix();
        await stores.throttle.refund(key);
        await stores.throttle.consume(key, 3, WINDOW_SECONDS);
        await stores.throttle.refund(key);
        await stores.throttle.refund(key);
        assert.equal(
          await allowedUntilRefused(stores.throttle, key, 3),
          3,
          "a refund beyond zero gives no extra event",
        );
      }));

    it("reset() forgets a key so it may act again", () =>
      withSubject(factory, async ({ stores }) => {
        const key = uniquePrefix();
        assert.equal(await allowedUntilRefused(stores.throttle, key, 2), 2);
        await stores.throttle.reset(key);
        assert.equal(await allowedUntilRefused(stores.throttle, key, 2), 2);
        await stores.throttle.reset(`${key}-never-seen`);
      }));

    it("starts a new window once the old one ended", () =>
      withSubject(factory, async ({ stores }) => {
        const key = uniquePrefix();
        await stores.throttle.consume(key, 1, 1);
        assertRefused(await stores.throttle.consume(key, 1, 1), 1);
        // Real time must pass for a one-second window to end: poll, bounded.
        let decision: ThrottleDecision = { allowed: false, retryAfterMs: 1 };
        for (let tries = 0; tries < 60 && !decision.allowed; tries += 1) {
          if (tries > 0) await delay(100);
          decision = await stores.throttle.consume(key, 1, 1);
        }
        assert.deepEqual(decision, { allowed: true, remaining: 0 }, "allowed again in a new window");
      }));

    it("allows exactly `limit` of many simultaneous consumes of one key, on every connection at once", () =>
      withSubject(factory, async ({ stores, reopen }) => {
        const others = reopen === undefined ? [] : [await reopen(), await reopen()];
        const throttles = [stores.throttle, ...others.map((other) => other.throttle)];
        const key = uniquePrefix();
        const limit = 10;
        const decisions = await Promise.all(
          Array.from({ length: 60 }, (_, i) =>
            (throttles[i % throttles.length] ?? stores.throttle).consume(key, limit, WINDOW_SECONDS),
          ),
        );
        const allowed = decisions.filter((d) => d.allowed);
        assert.equal(allowed.length, limit, `exactly ${limit} of 60 allowed`);
        const remaining = allowed.map((d) => (d.allowed ? d.remaining : -1)).sort((a, b) => a - b);
        assert.deepEqual(
          remaining,
          Array.from({ length: limit }, (_, i) => i),
          "each allowed event saw its own count",
        );
        for (const refused of decisions.filter((d) => !d.allowed)) assertRefused(refused);
        assertRefused(await stores.throttle.consume(key, limit, WINDOW_SECONDS));
      }));

    it("loses and invents no count when refunds race consumes", () =>
      withSubject(factory, async ({ stores, reopen }) => {
        const other = reopen === undefined ? stores : await reopen();
        const key = uniquePrefix();
        const limit = 10;
        assert.equal(await allowedUntilRefused(stores.throttle, key, limit), limit);
        const racing = await Promise.all([
          ...Array.from({ length: 5 }, (_, i) => (i % 2 === 0 ? stores : other).throttle.refund(key).then(() => null)),
          ...Array.from({ length: 20 }, (_, i) =>
            (i % 2 === 0 ? other : stores).throttle.consume(key, limit, WINDOW_SECONDS),
          ),
        ]);
        const allowedInRace = racing.filter((d) => d?.allowed === true).length;
        assert.equal(
          allowedInRace + (await allowedUntilRefused(stores.throttle, key, limit)),
          5,
          "five refunds free exactly five events",
        );
      }));

    it("shares counts between instances over the same backend, so every process sees one limit", (t) =>
      withSubject(factory, async ({ stores, reopen }) => {
        if (reopen === undefined) {
          t.skip("this store's backend belongs to one instance; there is no second instance to share it");
          return;
        }
        const other = await reopen();
        const key = uniquePrefix();
        await stores.throttle.consume(key, 2, WINDOW_SECONDS);
        assert.deepEqual(await other.throttle.consume(key, 2, WINDOW_SECONDS), { allowed: true, remaining: 0 });
        assertRefused(await stores.throttle.consume(key, 2, WINDOW_SECONDS));
        await other.throttle.reset(key);
        assert.equal(await allowedUntilRefused(stores.throttle, key, 2), 2);
      }));
  });
}
