import { StoreUnavailableError } from "../errors.js";
import type { CacheLeaseStore } from "../ports/cache-lease-store.js";
import type { InvalidationBus, InvalidationEvent } from "../ports/invalidation-bus.js";
import type { Logger } from "../ports/world.js";
import { storeCall } from "../store-call.js";
import { createAckCollector, type AckCollector } from "./acknowledgements.js";
import type { SessionCache } from "./session-cache.js";

/**
 * First pause before a revocation whose outcome was unknown is tried again; doubles up to the maximum. Milliseconds.
 */
const SETTLE_FIRST_DELAY_MS = 250;
const SETTLE_MAX_DELAY_MS = 5_000;
/** How many times it is tried again before giving up (about two minutes with the delays above). */
const SETTLE_ATTEMPTS = 30;

/** What {@link createRevoker} needs. */
export interface RevokerParts {
  cache: SessionCache | null;
  bus: InvalidationBus | null;
  logger: Logger;
  /**
   * With a bus that has leases (Redis, PostgreSQL): this process's lease id, the lease period
   * and a monotonic clock (ms), for acknowledged revocations. Null: publish and go (the
   * caches then use sync barriers).
   */
  acknowledged: { processId: string; leasePeriodMs: number; monotonic: () => number } | null;
}

/** Runs revocations: a store write that ends sessions, and the invalidations around it. */
export interface Revoker {
  /**
   * Ends what `event` names with `write`. Resolves to the write's result once the store wrote
   * it and the bus accepted the invalidation; rejects with {@link StoreUnavailableError} when
   * either failed (see the function's documentation for what still happens then).
   */
  revoke<T>(event: InvalidationEvent, write: () => Promise<T>): Promise<T>;
  /**
   * Publishes an invalidation after a store write done elsewhere; a bus failure rejects (503),
   * or is logged with `bestEffort`. Under leases, one that is not `bestEffort` is a
   * revocation like the others: counted, and answered once every live lease acknowledged it.
   */
  publish(event: InvalidationEvent, bestEffort?: boolean): Promise<void>;
  /** Stops listening for acknowledgements (revocations still waiting end their wait). */
  close(): void;
}

function causeOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Builds the revoker of one session manager.
 *
 * A revocation invalidates every cache **before** its store write (this process's at once,
 * the others' through the bus), writes, then invalidates **again** and answers only once the
 * bus accepted that second message: a store read that raced the write cannot leave the ended
 * session in any cache (see SessionCache's tickets).
 *
 * Attack stopped: a logout (or password change, revoke, deactivation) whose store write times
 * out, on a frozen Redis say, answers 503, but the write may still land when the store wakes;
 * without a message sent after it, processes that had cached the session kept accepting the
 * stolen or abandoned cookie until their cache TTL. So when the write fails, this process
 * drops the entries again and the same write is tried again in the background (it is
 * idempotent: deleting what is gone is not an error) until the store confirms it, followed by
 * an invalidation the bus accepts: that one is sent after the write landed, so every cache
 * drops anything filled before it, and a read after it finds nothing. Tried for about two
 * minutes, then logged as `revocation_not_completed`.
 */
export function createRevoker(parts: RevokerParts): Revoker {
  const { cache, bus, logger } = parts;
  const leases: CacheLeaseStore | null = parts.acknowledged !== null && bus !== null ? (bus.leases ?? null) : null;
  const acks: AckCollector | null = leases !== null && bus !== null ? createAckCollector(bus) : null;
  let sequence = 0;

  /**
   * Under leases, after the store write and the counter's increment (`record`; null when it
   * failed): drops the entries here, publishes the event tagged for acknowledgement, and
   * waits until every process whose lease was live after the increment acknowledged it, or
   * one lease period has passed since the lease list was read (on this process's monotonic
   * clock, so a process that never answers has stopped trusting its cache by then). Never
   * rejects: a bus failure means waiting the whole period.
   *
   * Attack stopped: a stolen cookie replayed, right after its owner logged out, at a process
   * whose cache still holds the session (its subscriber stalled, a message lost, or simply
   * not delivered yet). The logout's answer waits until that process either dropped the
   * session or can no longer serve from its cache (docs/production.md has the argument).
   */
  async function tell(
    event: InvalidationEvent & { kind: "session" | "user" },
    record: { counter: number; leases: string[] } | null,
  ): Promise<void> {
    if (leases === null || acks === null || bus === null || parts.acknowledged === null) return;
    const { processId, leasePeriodMs, monotonic } = parts.acknowledged;
    cache?.apply(event);
    let live: string[] | null = record?.leases ?? null;
    if (live === null) live = await leases.liveLeases().catch(() => null);
    // Read after the lease list: the deadline can only come later than the leases' ends.
    const t0 = monotonic();
    sequence += 1;
    const token = `${processId}.${sequence}`;
    // A list that could not be read: wait for nobody in particular, the whole period.
    const waitFor = live === null ? [`${processId}.unknown`] : live.filter((id) => id !== processId);
    const answered = acks.expect(token, waitFor, leasePeriodMs - (monotonic() - t0));
    try {
      await bus.publish({ ...event, ack: token, ...(record === null ? {} : { counter: record.counter }) });
    } catch (error) {
      logger.warn(
        { event: "invalidation_not_published", kind: event.kind, cause: causeOf(error) },
        "could not publish a revocation; waiting one lease period, after which no process trusts a cache that may hold it",
      );
    }
    const missing = await answered;
    if (missing.length > 0 && live !== null) {
      logger.info(
        { event: "revocation_waited_for_leases", kind: event.kind, processes: missing.length },
        "a revocation waited for unacknowledged session-cache leases to run out",
      );
    }
  }

  async function publish(event: InvalidationEvent, bestEffort = false): Promise<void> {
    if (leases !== null && !bestEffort && (event.kind === "session" || event.kind === "user")) {
      const record = await storeCall("session", () => leases.recordRevocation()).catch(async (error: unknown) => {
        await tell(event, null);
        throw error;
      });
      await tell(event, record);
      return;
    }
    cache?.apply(event);
    if (bus === null) return;
    try {
      await bus.publish(event);
    } catch (error) {
      if (!bestEffort) throw new StoreUnavailableError("session", error);
      logger.warn(
        { event: "invalidation_not_published", kind: event.kind, cause: causeOf(error) },
        "could not publish a cache invalidation",
      );
    }
  }

  function settleLater(event: InvalidationEvent, write: () => Promise<unknown>): void {
    let attempt = 0;
    const retry = (): void => {
      const delay = Math.min(SETTLE_FIRST_DELAY_MS * 2 ** attempt, SETTLE_MAX_DELAY_MS);
      attempt += 1;
      setTimeout(() => {
        void (async () => {
          try {
            await write();
            await publish(event);
            logger.info(
              { event: "revocation_completed", kind: event.kind, attempts: attempt },
              "a revocation that had failed is now written and every cache told",
            );
          } catch (error) {
            if (attempt < SETTLE_ATTEMPTS) {
              retry();
              return;
            }
            logger.error(
              { event: "revocation_not_completed", kind: event.kind, cause: causeOf(error) },
              "a revocation that had failed could not be completed; the store may still hold the session",
            );
          }
        })();
      }, delay).unref();
    };
    retry();
  }

  return {
    publish,
    close: () => acks?.close(),
    async revoke(event, write) {
      // Before the write: best effort, and not awaited first, so a frozen bus does not add its
      // timeout to the write's (on Redis both go down one connection, in this order).
      const early = publish(event, true);
      let result: Awaited<ReturnType<typeof write>>;
      try {
        result = await storeCall("session", write);
      } catch (error) {
        // The write's outcome may be unknown (a timeout): it may land once the store wakes.
        cache?.apply(event);
        settleLater(event, write);
        await early;
        // Under leases, every cache is still told, and acknowledges, before the 503.
        if (event.kind === "session" || event.kind === "user") await tell(event, null);
        throw error;
      }
      await early;
      try {
        // Under leases: counted, then acknowledged by every live lease (or its lapse).
        await publish(event);
      } catch (error) {
        cache?.apply(event);
        settleLater(event, write);
        throw error;
      }
      return result;
    },
  };
}
