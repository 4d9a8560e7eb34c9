import type { LimitWindow, ResolvedConfig, ResolvedWorld } from "../config/resolved-config.js";
import type { ThrottleDecision } from "../ports/throttle-store.js";
import { storeCall } from "../store-call.js";
import { createFairQueue } from "./fair-queue.js";
import { createInFlight } from "./in-flight.js";
import { ipThrottleKey } from "./ip-key.js";

/** Which rule refused an attempt. */
export type ThrottleRule = "account" | "ip" | "account_in_flight" | "ip_in_flight";

/** The outcome of {@link LoginThrottle.guard}. */
export type Guarded<T> =
  | { readonly throttled: true; readonly rule: ThrottleRule; readonly retryAfterSeconds: number }
  | { readonly throttled: false; readonly value: T };

/**
 * Brute-force and credential-stuffing protection for password checks (ASVS 6.3.1), built so
 * that no amount of concurrency gets past it:
 *
 * 1. Bound in flight (per process, synchronous): an account with `maxInFlightPerAccount`
 *    checks running, or an IP with `maxInFlightPerIp`, gets 429 at once, with no store call
 *    and no hash. Stops a burst from one client filling the hashing queue (a denial of service
 *    on everyone's logins) before the counts have even been read.
 * 2. Consume, atomically, before hashing: one attempt is counted on the account and on the IP
 *    in the store's single indivisible step (see `ThrottleStore.consume`); a full window is
 *    429 before any hashing. Stops the race in which N simultaneous guesses all read "under
 *    the limit" and are all hashed: the store admits exactly `points` per window, in every
 *    process sharing it.
 * 3. Hash in a fair queue: admitted checks wait in a queue served round-robin by client IP,
 *    at most `maxConcurrentChecks` at a time. Stops one source's burst from starving other
 *    clients' logins.
 * 4. Settle: a right password refunds the IP's attempt and clears the account's count (a user
 *    who types the password right is not held back by their typos; only wrong passwords
 *    count). A wrong one keeps both. A check that failed (store down) refunds both.
 *
 * Unknown usernames go through the same steps under the same account key (the normalised
 * username, whether or not it exists) and cost one dummy hash, so neither the throttling
 * nor the timing tells an attacker which accounts exist (ASVS 6.3.8).
 */
export interface LoginThrottle {
  /**
   * Runs `check` (one password verification) for an attempt on `accountKey` from `ip` under
   * the rules above, or refuses without running it. `check` resolves `ok: true` for a right
   * password. Store failures reject with `StoreUnavailableError`.
   */
  guard<T extends { readonly ok: boolean }>(
    accountKey: string,
    ip: string | null,
    check: () => Promise<T>,
  ): Promise<Guarded<T>>;
}

const ACCOUNT_PREFIX = "latchkey:login:account:";
const IP_PREFIX = "latchkey:login:ip:";

function seconds(decision: ThrottleDecision): number {
  return decision.allowed ? 0 : Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
}

export function createLoginThrottle(config: ResolvedConfig, world: ResolvedWorld): LoginThrottle {
  const settings = config.throttle;
  const queue = createFairQueue(settings.maxConcurrentChecks);
  if (!settings.enabled) {
    return {
      guard: async (_account, ip, check) => ({ throttled: false, value: await queue.run(ipThrottleKey(ip), check) }),
    };
  }
  const store = world.stores.throttle;
  const inFlight = createInFlight();
  const consume = (key: string, window: LimitWindow): Promise<ThrottleDecision> =>
    storeCall("throttle", () => store.consume(key, window.points, window.durationSeconds));
  // Best effort: undoing a count must not hide the error or the answer that caused it.
  const refund = (key: string): Promise<void> => storeCall("throttle", () => store.refund(key)).catch(() => undefined);

  return {
    async guard<T extends { readonly ok: boolean }>(
      accountKey: string,
      ip: string | null,
      check: () => Promise<T>,
    ): Promise<Guarded<T>> {
      const source = ipThrottleKey(ip);
      const account = ACCOUNT_PREFIX + accountKey;
      const address = IP_PREFIX + source;
      const admission = inFlight.enter([
        [account, settings.maxInFlightPerAccount],
        [address, settings.maxInFlightPerIp],
      ]);
      if (!admission.admitted) {
        // Another check for this key is still running: a second or so is enough for it to end.
        return {
          throttled: true,
          rule: admission.fullKey === account ? "account_in_flight" : "ip_in_flight",
          retryAfterSeconds: 1,
        };
      }
      try {
        const perAccount = await consume(account, settings.perAccount);
        if (!perAccount.allowed) return { throttled: true, rule: "account", retryAfterSeconds: seconds(perAccount) };
        let perIp: ThrottleDecision;
        try {
          perIp = await consume(address, settings.perIp);
        } catch (error) {
          await refund(account);
          throw error;
        }
        if (!perIp.allowed) {
          await refund(account);
          return { throttled: true, rule: "ip", retryAfterSeconds: seconds(perIp) };
        }
        let value: T;
        try {
          value = await queue.run(source, check);
        } catch (error) {
          await Promise.all([refund(account), refund(address)]);
          throw error;
        }
        if (value.ok) {
          await Promise.all([storeCall("throttle", () => store.reset(account)), refund(address)]);
        }
        return { throttled: false, value };
      } finally {
        admission.leave();
      }
    },
  };
}
