import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CacheLeaseStore } from "../ports/cache-lease-store.js";
import type { InvalidationBus, InvalidationBusStatus, InvalidationEvent } from "../ports/invalidation-bus.js";
import type { SessionRecord } from "../ports/session-store.js";
import type { User } from "../ports/user-store.js";
import { silentLogger } from "../ports/world.js";
import { createCacheLease } from "./cache-lease.js";
import { createSessionCache } from "./session-cache.js";

// The cache's lease rules, step by step, with an injected monotonic clock. The lease records
// themselves are tested on real Redis and PostgreSQL in their packages (and end to end in
// tests/src/scale/cache-leases.test.ts); here they are a counter and a map.

const PERIOD = 2_000;
const MARGIN = 200;

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

function setup() {
  let status: InvalidationBusStatus = "ready";
  let syncs = 0;
  const handlers = new Set<(event: InvalidationEvent) => void>();
  const published: InvalidationEvent[] = [];
  let counter = 0;
  let storeDown = false;
  const leaseStore: CacheLeaseStore = {
    renew: async () => {
      if (storeDown) throw new Error("store down");
      return counter;
    },
    recordRevocation: async () => ({ counter: (counter += 1), leases: [] }),
    liveLeases: async () => [],
    release: async () => {},
  };
  const bus: InvalidationBus = {
    get status() {
      return status;
    },
    publish: async (event) => {
      published.push(event);
    },
    subscribe(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    sync: async () => {
      syncs += 1;
    },
    close: async () => {},
    leases: leaseStore,
  };
  let monotonic = 0;
  let cache: ReturnType<typeof createSessionCache> | null = null;
  const lease = createCacheLease({
    store: leaseStore,
    settings: { leasePeriodMs: PERIOD, renewIntervalMs: 600, driftMarginMs: MARGIN },
    processId: "me",
    monotonic: () => monotonic,
    logger: silentLogger,
    missedRevocations: () => cache?.apply({ kind: "all" }),
  });
  cache = createSessionCache(
    { maxEntries: 100, ttlMs: 60_000, syncTimeoutMs: 60_000 },
    bus,
    { clock: { now: () => 1_000 }, logger: silentLogger },
    lease,
  );
  return {
    cache,
    lease,
    published,
    syncs: () => syncs,
    advance: (ms: number) => (monotonic += ms),
    setStatus: (next: InvalidationBusStatus) => (status = next),
    setStoreDown: (down: boolean) => (storeDown = down),
    /** Another process's revocation: the store's counter moves (its bus message may come later, or never). */
    revokeElsewhere: () => (counter += 1),
    deliver(event: InvalidationEvent) {
      for (const handler of handlers) handler(event);
    },
    fill(id: string) {
      cache.fill(cache.ticket(), makeSession(id), makeUser(1));
    },
  };
}

describe("a session cache under a lease", () => {
  it("serves a hit without any bus round trip while its lease is valid, and reads the store once the lease runs out by its own clock", async () => {
    const t = setup();
    await t.lease.renew();
    t.fill("s1");
    assert.equal((await t.cache.lookup("s1"))?.session.id, "s1");
    assert.equal(t.syncs(), 0, "no sync barrier under a lease");
    // The lease was renewed at 0: valid until 0 + period − drift margin on this clock.
    t.advance(PERIOD - MARGIN - 1);
    assert.equal((await t.cache.lookup("s1"))?.session.id, "s1");
    t.advance(1);
    assert.equal(await t.cache.lookup("s1"), null, "no cache use once the lease ran out");
    assert.equal(t.cache.stats().bypassed, 1);
    await t.lease.renew();
    assert.equal((await t.cache.lookup("s1"))?.session.id, "s1", "renewed: the entry serves again");
  });

  it("stops serving a hit once the entry is past its TTL at the clock time its caller read", async () => {
    const t = setup();
    await t.lease.renew();
    // Filled at clock time 1,000 with a 60 s TTL: stale from 61,000 on.
    t.fill("s1");
    assert.equal(t.cache.peek("s1", 60_999)?.session.id, "s1");
    assert.equal(t.cache.peek("s1", 61_000), null, "past its TTL: read the store");
    assert.equal(t.cache.stats().misses, 1);
    assert.equal(t.cache.peek("s1", 1_000), null, "and the stale entry is gone");
  });

  it("does not serve before its first renewal, nor while the store refuses renewals past the lease's end", async () => {
    const t = setup();
    t.fill("s1");
    assert.equal(await t.cache.lookup("s1"), null, "no lease yet: nothing is even cached");
    await t.lease.renew();
    t.fill("s1");
    t.setStoreDown(true);
    t.advance(PERIOD / 2);
    await t.lease.renew();
    assert.equal((await t.cache.lookup("s1"))?.session.id, "s1", "still within the lease");
    t.advance(PERIOD / 2);
    await t.lease.renew();
    assert.equal(await t.cache.lookup("s1"), null);
    t.fill("s2");
    t.setStoreDown(false);
    await t.lease.renew();
    assert.equal(await t.cache.lookup("s2"), null, "a fill while the lease was out is not kept");
  });

  it("does not serve while its bus subscription is not ready, whatever the lease", async () => {
    const t = setup();
    await t.lease.renew();
    t.fill("s1");
    t.setStatus("down");
    assert.equal(await t.cache.lookup("s1"), null);
    t.setStatus("ready");
    assert.equal((await t.cache.lookup("s1"))?.session.id, "s1");
  });

  it("empties itself when a renewal shows a revocation it never got from the bus, and only then", async () => {
    const t = setup();
    await t.lease.renew();
    t.fill("s1");
    // A revocation delivered over the bus, with its counter: the renewal that sees it keeps the rest.
    t.revokeElsewhere();
    t.deliver({ kind: "session", id: "other", counter: 1 });
    await t.lease.renew();
    assert.equal((await t.cache.lookup("s1"))?.session.id, "s1");
    // A revocation whose message never came (the subscription dropped it): the renewal empties the cache.
    t.revokeElsewhere();
    await t.lease.renew();
    assert.equal(await t.cache.lookup("s1"), null, "the missed revocation may have been s1's");
  });

  it("acknowledges a tagged revocation only after dropping the session, and never its own", async () => {
    const t = setup();
    await t.lease.renew();
    t.fill("s1");
    t.deliver({ kind: "session", id: "s1", ack: "other.7", counter: 1 });
    assert.equal(await t.cache.lookup("s1"), null);
    assert.deepEqual(t.published, [{ kind: "ack", token: "other.7", process: "me" }]);
    t.deliver({ kind: "user", userId: "1", ack: "me.1", counter: 2 });
    assert.equal(t.published.length, 1, "a process does not acknowledge its own revocations");
  });
});
