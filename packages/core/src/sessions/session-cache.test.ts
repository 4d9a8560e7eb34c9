import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { InvalidationBus, InvalidationBusStatus, InvalidationEvent } from "../ports/invalidation-bus.js";
import type { SessionRecord } from "../ports/session-store.js";
import type { User } from "../ports/user-store.js";
import { silentLogger } from "../ports/world.js";
import { createSessionCache, type SessionCache } from "./session-cache.js";

/**
 * A bus whose every move the test makes by hand: status, deliveries, and when each sync
 * barrier comes back. (The real buses are tested against real Redis and PostgreSQL in their
 * packages; here the cache's rules are pinned down step by step.)
 */
function manualBus() {
  let status: InvalidationBusStatus = "ready";
  const handlers = new Set<(event: InvalidationEvent) => void>();
  const pendingSyncs: { resolve(): void; reject(error: Error): void }[] = [];
  const bus: InvalidationBus = {
    get status() {
      return status;
    },
    publish: async (event) => {
      for (const handler of handlers) handler(event);
    },
    subscribe(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    sync: () => new Promise<void>((resolve, reject) => pendingSyncs.push({ resolve, reject })),
    close: async () => {},
  };
  return {
    bus,
    deliver(event: InvalidationEvent) {
      for (const handler of handlers) handler(event);
    },
    setStatus(next: InvalidationBusStatus) {
      status = next;
    },
    /** How many barriers were sent and are still waiting. */
    pending: () => pendingSyncs.length,
    /** Brings the oldest barrier back. */
    completeSync() {
      const next = pendingSyncs.shift();
      assert.ok(next !== undefined, "a sync barrier is in flight");
      next.resolve();
    },
    failSync() {
      const next = pendingSyncs.shift();
      assert.ok(next !== undefined, "a sync barrier is in flight");
      next.reject(new Error("bus gone"));
    },
  };
}

function makeSession(id: string, userId = "1"): SessionRecord {
  return {
    id,
    secretHash: "ab".repeat(32),
    userId,
    kind: "cookie",
    createdAt: 0,
    lastSeenAt: 0,
    expiresAt: 1e15,
    absoluteExpiresAt: 1e15,
    ip: null,
    userAgent: null,
    label: null,
  };
}

function makeUser(id: number): User {
  return {
    id,
    username: `u${id}`,
    email: "",
    firstName: "",
    lastName: "",
    isActive: true,
    isStaff: false,
    isSuperuser: false,
    groups: [],
    permissions: [],
    dateJoined: 0,
    lastLogin: null,
  };
}

function setup(settings: { maxEntries?: number; ttlMs?: number } = {}) {
  const manual = manualBus();
  let now = 1_000;
  const cache = createSessionCache(
    { maxEntries: settings.maxEntries ?? 100, ttlMs: settings.ttlMs ?? 60_000, syncTimeoutMs: 60_000 },
    manual.bus,
    { clock: { now: () => now }, logger: silentLogger },
  );
  return { ...manual, cache, advance: (ms: number) => (now += ms) };
}

/** Fills `id` as a store read would have, with a fresh ticket. */
function fill(cache: SessionCache, id: string, userId = "1"): void {
  cache.fill(cache.ticket(), makeSession(id, userId), makeUser(Number(userId)));
}

/** Runs a lookup to completion, answering the barrier it sends. */
async function lookupWithSync(t: ReturnType<typeof setup>, id: string) {
  const pending = t.cache.lookup(id);
  await Promise.resolve();
  if (t.pending() > 0) t.completeSync();
  return pending;
}

describe("createSessionCache()", () => {
  it("reports a miss for an unknown id without waiting for the bus", async () => {
    const t = setup();
    assert.equal(await t.cache.lookup("nope"), null);
    assert.equal(t.pending(), 0);
    assert.equal(t.cache.stats().misses, 1);
  });

  it("serves a filled session only once a sync barrier comes back", async () => {
    const t = setup();
    fill(t.cache, "s1");
    let settled = false;
    const lookup = t.cache.lookup("s1").then((found) => {
      settled = true;
      return found;
    });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(settled, false, "the lookup waits for the barrier");
    assert.equal(t.pending(), 1);
    t.completeSync();
    assert.equal((await lookup)?.session.id, "s1");
    assert.equal(t.cache.stats().hits, 1);
  });

  it("makes a lookup that starts while a barrier is in flight wait for the next barrier", async () => {
    const t = setup();
    fill(t.cache, "s1");
    const first = t.cache.lookup("s1");
    await Promise.resolve();
    const second = t.cache.lookup("s1");
    const third = t.cache.lookup("s1");
    await Promise.resolve();
    assert.equal(t.pending(), 1, "one barrier in flight; the later lookups share the next one");
    t.completeSync();
    assert.equal((await first)?.session.id, "s1");
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(t.pending(), 1, "the next barrier was sent once the first came back");
    // An invalidation delivered before that barrier returns is seen by the lookups waiting on it.
    t.deliver({ kind: "session", id: "s1" });
    t.completeSync();
    assert.equal(await second, null);
    assert.equal(await third, null);
  });

  it("does not serve an entry invalidated while its barrier was in flight", async () => {
    const t = setup();
    fill(t.cache, "s1");
    const lookup = t.cache.lookup("s1");
    await Promise.resolve();
    t.deliver({ kind: "session", id: "s1" });
    t.completeSync();
    assert.equal(await lookup, null);
  });

  it("refuses a fill whose store read was in flight when a session, user or global invalidation arrived", async () => {
    for (const event of [
      { kind: "session", id: "other" },
      { kind: "user", userId: "7" },
      { kind: "all" },
    ] satisfies InvalidationEvent[]) {
      const t = setup();
      const ticket = t.cache.ticket();
      t.deliver(event);
      t.cache.fill(ticket, makeSession("s1"), makeUser(1));
      assert.equal(await lookupWithSync(t, "s1"), null, `after a ${event.kind} event`);
      assert.equal(t.cache.stats().fillsDropped, 1);
    }
  });

  it("drops every session of a user on a user event and keeps the others", async () => {
    const t = setup();
    fill(t.cache, "a1", "1");
    fill(t.cache, "a2", "1");
    fill(t.cache, "b1", "2");
    t.deliver({ kind: "user", userId: "1" });
    assert.equal(t.cache.stats().size, 1);
    assert.equal((await lookupWithSync(t, "b1"))?.session.id, "b1");
  });

  it("bypasses the cache while the bus is not ready and refuses fills meanwhile", async () => {
    const t = setup();
    fill(t.cache, "s1");
    t.setStatus("down");
    assert.equal(await t.cache.lookup("s1"), null);
    assert.equal(t.pending(), 0, "no barrier is sent to a bus that is down");
    fill(t.cache, "s2");
    assert.equal(t.cache.stats().fillsDropped, 1);
    assert.equal(t.cache.stats().bypassed, 1);
    // Back up: the bus announces it with { kind: "all" }, which empties the cache.
    t.setStatus("ready");
    t.deliver({ kind: "all" });
    assert.equal(t.cache.stats().size, 0);
    assert.equal(await t.cache.lookup("s1"), null);
  });

  it("reads the store and empties the cache when a sync barrier fails", async () => {
    const t = setup();
    fill(t.cache, "s1");
    fill(t.cache, "s2");
    const lookup = t.cache.lookup("s1");
    await Promise.resolve();
    t.failSync();
    assert.equal(await lookup, null);
    assert.equal(t.cache.stats().size, 0);
    assert.equal(t.cache.stats().syncFailures, 1);
  });

  it("keeps at most maxEntries, dropping the least recently used", async () => {
    const t = setup({ maxEntries: 2 });
    fill(t.cache, "s1");
    fill(t.cache, "s2");
    assert.ok(await lookupWithSync(t, "s1"), "s1 is now the most recently used");
    fill(t.cache, "s3");
    assert.equal(t.cache.stats().evictions, 1);
    assert.ok(await lookupWithSync(t, "s1"));
    assert.equal(await lookupWithSync(t, "s2"), null);
    assert.ok(await lookupWithSync(t, "s3"));
  });

  it("stops serving an entry after its TTL, whatever the bus says", async () => {
    const t = setup({ ttlMs: 5_000 });
    fill(t.cache, "s1");
    t.advance(4_999);
    assert.ok(await lookupWithSync(t, "s1"));
    t.advance(1);
    assert.equal(await t.cache.lookup("s1"), null);
  });

  it("records a sliding-expiry write-back unless an invalidation arrived during it", async () => {
    const t = setup();
    fill(t.cache, "s1");
    const ticket = t.cache.ticket();
    t.cache.touched(ticket, { ...makeSession("s1"), lastSeenAt: 500 });
    assert.equal((await lookupWithSync(t, "s1"))?.session.lastSeenAt, 500);
    const stale = t.cache.ticket();
    t.deliver({ kind: "user", userId: "9" });
    t.cache.touched(stale, { ...makeSession("s1"), lastSeenAt: 900 });
    assert.equal((await lookupWithSync(t, "s1"))?.session.lastSeenAt, 500);
  });
});
