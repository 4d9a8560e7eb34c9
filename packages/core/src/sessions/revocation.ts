import { StoreUnavailableError } from "../errors.js";
import type { InvalidationBus, InvalidationEvent } from "../ports/invalidation-bus.js";
import type { Logger } from "../ports/world.js";
import { storeCall } from "../store-call.js";
import type { SessionCache } from "./session-cache.js";

/** First pause before a revocation whose outcome was unknown is tried again; doubles up to the maximum. Milliseconds. */
const SETTLE_FIRST_DELAY_MS = 250;
const SETTLE_MAX_DELAY_MS = 5_000;
/** How many times it is tried again before giving up (about two minutes with the delays above). */
const SETTLE_ATTEMPTS = 30;

/** What {@link createRevoker} needs. */
export interface RevokerParts {
  cache: SessionCache | null;
  bus: InvalidationBus | null;
  logger: Logger;
}

/** Runs revocations: a store write that ends sessions, and the invalidations around it. */
export interface Revoker {
  /**
   * Ends what `event` names with `write`. Resolves to the write's result once the store wrote
   * it and the bus accepted the invalidation; rejects with {@link StoreUnavailableError} when
   * either failed (see the function's documentation for what still happens then).
   */
  revoke<T>(event: InvalidationEvent, write: () => Promise<T>): Promise<T>;
  /** Publishes an invalidation after a store write done elsewhere; a bus failure rejects (503), or is logged with `bestEffort`. */
  publish(event: InvalidationEvent, bestEffort?: boolean): Promise<void>;
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

  async function publish(event: InvalidationEvent, bestEffort = false): Promise<void> {
    cache?.apply(event);
    if (bus === null) return;
    try {
      await bus.publish(event);
    } catch (error) {
      if (!bestEffort) throw new StoreUnavailableError("session", error);
      logger.warn({ event: "invalidation_not_published", kind: event.kind, cause: causeOf(error) }, "could not publish a cache invalidation");
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
            logger.info({ event: "revocation_completed", kind: event.kind, attempts: attempt }, "a revocation that had failed is now written and every cache told");
          } catch (error) {
            if (attempt < SETTLE_ATTEMPTS) {
              retry();
              return;
            }
            logger.error({ event: "revocation_not_completed", kind: event.kind, cause: causeOf(error) }, "a revocation that had failed could not be completed; the store may still hold the session");
          }
        })();
      }, delay).unref();
    };
    retry();
  }

  return {
    publish,
    async revoke(event, write) {
      // Before the write: best effort, and not awaited first, so a frozen bus does not add its
      // timeout to the write's (on Redis both go down one connection, in this order).
      const early = publish(event, true);
      try {
        const result = await storeCall("session", write);
        await early;
        await publish(event);
        return result;
      } catch (error) {
        // The write's outcome may be unknown (a timeout): it may land once the store wakes.
        cache?.apply(event);
        settleLater(event, write);
        await early;
        throw error;
      }
    },
  };
}
