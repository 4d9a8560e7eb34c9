import { LRUCache } from "lru-cache";
import type { InvalidationBus, InvalidationEvent } from "../ports/invalidation-bus.js";
import type { SessionRecord } from "../ports/session-store.js";
import type { User } from "../ports/user-store.js";
import type { Clock, Logger } from "../ports/world.js";
import type { CacheLease } from "./cache-lease.js";

/** A session and its user, as the cache keeps them (the user without its password hash). */
export interface CachedSession {
  readonly session: SessionRecord;
  readonly user: User;
}

/** Counters of a session cache since it was built, for monitoring and tests. */
export interface SessionCacheStats {
  /** Entries held now. */
  size: number;
  /** Lookups answered from the cache (no store read). */
  hits: number;
  /**
   * Lookups that found nothing usable: they go to the store, except a token not shaped like
   * latchkey's, which is refused after the cache is asked and before any store sees it.
   */
  misses: number;
  /**
   * Lookups that skipped the cache because the bus was not ready, the lease was not valid, or the sync barrier failed.
   */
  bypassed: number;
  /** Entries added after a store read. */
  fills: number;
  /** Fills refused because an invalidation arrived while their store read was in flight, or the bus was not ready. */
  fillsDropped: number;
  /** Entries dropped to stay within `maxEntries` (least recently used first). */
  evictions: number;
  /** Invalidation events applied (from this process and from others). */
  invalidations: number;
  /** Sync barriers that failed (bus down or too slow); each flushed the cache. */
  syncFailures: number;
}

/** What the cache is built with. */
export interface SessionCacheSettings {
  /** Most entries kept; the least recently used is dropped first. */
  maxEntries: number;
  /** An entry is dropped this long after it was read from the store, whatever happens. Milliseconds. */
  ttlMs: number;
  /** How long a lookup waits for the bus's sync barrier before reading the store instead. Milliseconds. */
  syncTimeoutMs: number;
}

/**
 * A per-process cache of validated sessions in front of the stores, kept coherent by an
 * {@link InvalidationBus}. Used only by the session manager.
 */
export interface SessionCache {
  /**
   * The cached session `id`, or null to read the store. With a lease (Redis, PostgreSQL), an
   * entry is served only while the bus is ready and the lease is valid by this process's
   * clock: no round trip (revocations wait for this process's acknowledgement instead).
   * Without one, only once a sync barrier *sent after this call* has come back, so every
   * invalidation the bus accepted before the request arrived has been applied. See
   * docs/production.md.
   */
  lookup(id: string): Promise<CachedSession | null>;
  /**
   * {@link SessionCache.lookup} when it can answer now, counted as it would be: with a lease,
   * always (the entry, or null to read the store); without one, undefined (a sync barrier is
   * needed: call `lookup`). `now` is the clock's time (ms) as the caller just read it, for the
   * TTL bound: the session manager judges the session's own expiry at the same instant, so a
   * hit reads the wall clock once, not twice.
   */
  peek(id: string, now: number): CachedSession | null | undefined;
  /** Taken before a store read; {@link SessionCache.fill} refuses a ticket older than the last invalidation. */
  ticket(): number;
  /** Adds what a store read found, unless an invalidation arrived since `ticket` or the bus is not ready. */
  fill(ticket: number, session: SessionRecord, user: User): void;
  /** Records a sliding-expiry write-back, unless an invalidation arrived since `ticket`. */
  touched(ticket: number, session: SessionRecord): void;
  /** Applies an invalidation to this process's entries (also called for events from the bus). */
  apply(event: InvalidationEvent): void;
  stats(): SessionCacheStats;
  /** Unsubscribes from the bus and drops every entry. */
  close(): void;
}

interface Entry {
  session: SessionRecord;
  readonly user: User;
  /** Clock time (ms) after which the entry is not served: the TTL bound. */
  readonly staleAt: number;
}

/**
 * Builds the cache and subscribes it to `bus`. Recency is kept by `lru-cache`, which marks an
 * entry most recent in place on a hit (one lookup per hit, no re-insertion) and drops the
 * least recently used entry when a fill would pass `maxEntries`.
 */
export function createSessionCache(
  settings: SessionCacheSettings,
  bus: InvalidationBus,
  world: { clock: Clock; logger: Logger },
  lease: CacheLease | null = null,
): SessionCache {
  const entries = new LRUCache<string, Entry>({
    max: settings.maxEntries,
    dispose: (_entry, _id, reason) => {
      if (reason === "evict") counts.evictions += 1;
    },
  });
  // Bumped by every invalidation: a fill whose store read started before the bump may hold
  // what was just invalidated, so it is refused (no resurrection by a slow read).
  let generation = 0;
  const counts: Omit<SessionCacheStats, "size"> = {
    hits: 0,
    misses: 0,
    bypassed: 0,
    fills: 0,
    fillsDropped: 0,
    evictions: 0,
    invalidations: 0,
    syncFailures: 0,
  };
  let failing = false;

  function apply(event: InvalidationEvent): void {
    if (event.kind === "ack") return;
    generation += 1;
    counts.invalidations += 1;
    if (event.kind === "session") entries.delete(event.id);
    else if (event.kind === "all") entries.clear();
    else {
      const ids: string[] = [];
      for (const [id, entry] of entries.entries()) {
        if (entry.session.userId === event.userId || String(entry.user.id) === event.userId) ids.push(id);
      }
      for (const id of ids) entries.delete(id);
    }
  }

  // From the bus: applied first, then (under a lease) recorded and acknowledged, so an
  // acknowledgement always means "dropped here".
  const unsubscribe = bus.subscribe((event) => {
    apply(event);
    if (lease === null || (event.kind !== "session" && event.kind !== "user")) return;
    if (event.counter !== undefined) lease.applied(event.counter);
    if (event.ack !== undefined && !event.ack.startsWith(`${lease.processId}.`)) {
      bus.publish({ kind: "ack", token: event.ack, process: lease.processId }).catch(() => {
        // The revoker then waits for this process's lease to run out instead.
      });
    }
  });

  // Sync barriers are shared: all lookups that arrive while one is in flight wait for the
  // next one (the one in flight was sent before they arrived, so it proves nothing to them).
  // Under load that is one bus round trip per batch of requests, not one per request.
  let running: Promise<boolean> | null = null;
  let queued: Promise<boolean> | null = null;

  function startSync(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${settings.syncTimeoutMs} ms`)),
        settings.syncTimeoutMs,
      );
    });
    const attempt = Promise.race([bus.sync(), timeout]).then(
      () => {
        clearTimeout(timer);
        if (failing)
          world.logger.info(
            { event: "session_cache_resumed" },
            "session cache in use again: the invalidation bus answers",
          );
        failing = false;
        return true;
      },
      (error: unknown) => {
        clearTimeout(timer);
        counts.syncFailures += 1;
        // The bus may have lost events: nothing cached can be trusted any more.
        apply({ kind: "all" });
        if (!failing) {
          world.logger.warn(
            { event: "session_cache_bypassed", cause: error instanceof Error ? error.message : String(error) },
            "session cache bypassed: the invalidation bus did not confirm delivery; reading sessions from the store",
          );
        }
        failing = true;
        return false;
      },
    );
    running = attempt;
    void attempt.then(() => {
      if (running === attempt) running = null;
    });
    return attempt;
  }

  function barrier(): Promise<boolean> {
    const inFlight = running;
    if (inFlight === null) return startSync();
    queued ??= inFlight.then(() => {
      queued = null;
      return startSync();
    });
    return queued;
  }

  /** The live entry for `id` at clock time `now` (null, counted, when absent or past its TTL), once the bus is known ready. */
  function current(id: string, now: number): Entry | null {
    const entry = entries.get(id);
    if (entry === undefined) {
      counts.misses += 1;
      return null;
    }
    if (now >= entry.staleAt) {
      entries.delete(id);
      counts.misses += 1;
      return null;
    }
    return entry;
  }

  function peek(id: string, now: number): CachedSession | null | undefined {
    if (lease === null) return undefined;
    if (bus.status !== "ready" || !lease.valid()) {
      counts.bypassed += 1;
      return null;
    }
    // Valid lease, ready bus: every revocation answered so far was applied here.
    const entry = current(id, now);
    if (entry !== null) counts.hits += 1;
    return entry;
  }

  return {
    async lookup(id) {
      const now = world.clock.now();
      const answer = peek(id, now);
      if (answer !== undefined) return answer;
      if (bus.status !== "ready") {
        counts.bypassed += 1;
        return null;
      }
      if (current(id, now) === null) return null;
      if (!(await barrier())) {
        counts.bypassed += 1;
        return null;
      }
      // Whatever is here now is consistent with every invalidation delivered so far.
      const after = entries.get(id);
      if (after === undefined || bus.status !== "ready") {
        counts.misses += 1;
        return null;
      }
      counts.hits += 1;
      return after;
    },

    peek,

    ticket: () => generation,

    fill(ticket, session, user) {
      if (ticket !== generation || bus.status !== "ready" || (lease !== null && !lease.valid())) {
        counts.fillsDropped += 1;
        return;
      }
      entries.set(session.id, { session, user, staleAt: world.clock.now() + settings.ttlMs });
      counts.fills += 1;
    },

    touched(ticket, session) {
      if (ticket !== generation) return;
      const entry = entries.peek(session.id);
      if (entry !== undefined) entry.session = session;
    },

    apply,

    stats: () => ({ size: entries.size, ...counts }),

    close() {
      unsubscribe();
      if (lease !== null) void lease.close();
      entries.clear();
      generation += 1;
    },
  };
}
