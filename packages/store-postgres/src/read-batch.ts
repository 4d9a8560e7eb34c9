import type { Row } from "./rows.js";

/** Options of {@link createReadBatch}; `R` is the type of a row. */
export interface ReadBatchOptions<R = Row> {
  /** Reads the rows of these distinct keys in one statement; a key without a row has none. */
  read(keys: readonly string[]): Promise<R[]>;
  /** The key a row answers for. */
  keyOf(row: R): string;
  /** Most keys in one statement; more waiting keys are split over several statements. */
  maxKeys: number;
  /**
   * Most flushes with statements in flight at once. While that many are, new lookups wait
   * and are all sent together when one of them settles, instead of a statement each.
   * @default Infinity: every turn's lookups are sent at the end of the turn
   */
  maxInFlight?: number;
  /**
   * Milliseconds a lookup is held back behind `maxInFlight` flushes at most: after that they
   * no longer count as in flight and the waiting lookups are sent, so one statement that never
   * answers (a connection lost without a reset, with no `query_timeout`) cannot hold up every
   * later lookup. @default 100
   */
  maxHoldMs?: number;
  /**
   * Runs `run` after `ms` milliseconds unless the returned function cancels it first.
   * @default setTimeout, unref'd
   */
  setTimer?: (run: () => void, ms: number) => () => void;
  /**
   * Runs `flush` once the lookups that arrived in this turn of the event loop are queued.
   * @default setImmediate: after every socket read in the current poll phase
   */
  schedule?: (flush: () => void) => void;
}

function defaultSetTimer(run: () => void, ms: number): () => void {
  const timer = setTimeout(run, ms);
  timer.unref();
  return () => clearTimeout(timer);
}

interface Waiter<R> {
  resolve(row: R | undefined): void;
  reject(error: unknown): void;
}

/**
 * Point reads by key, batched: every lookup made in one turn of the event loop joins one
 * statement (all the keys as one array parameter), sent when the turn ends, and each lookup
 * gets its own key's row. Fifty requests read from fifty sockets in one poll phase then cost
 * one round trip and one statement instead of fifty, in the server and in the database.
 *
 * With `maxInFlight`, lookups made while that many flushes are in flight wait for one of them
 * to settle and then go out together (group commit, for reads): a server whose requests arrive
 * one per turn sends one statement per round trip for everything that arrived meanwhile,
 * instead of one per request. A lookup
 * waits at most for the statements before it, and with nothing in flight it goes out at the
 * end of its turn as before.
 *
 * Exactness (the attack it must not open: a revoked session accepted after its logout was
 * answered): a lookup only ever joins a batch that has not been sent yet, never a statement
 * already in flight. Each statement therefore starts after every lookup in it was made, and
 * sees every write committed before any of them, as a statement of its own would. A read
 * begun before a revocation's answer never answers a request that arrived after it; a lookup
 * held back while others are in flight is only sent later, so it sees more, never less.
 */
export function createReadBatch<R = Row>(options: ReadBatchOptions<R>): (key: string) => Promise<R | undefined> {
  const schedule = options.schedule ?? ((flush: () => void) => void setImmediate(flush));
  const maxKeys = Math.max(1, Math.floor(options.maxKeys));
  const maxInFlight = Math.max(1, options.maxInFlight ?? Number.POSITIVE_INFINITY);
  const maxHoldMs = options.maxHoldMs ?? 100;
  const setTimer = options.setTimer ?? defaultSetTimer;
  let queued: Map<string, Waiter<R>[]> | null = null;
  /** True from scheduling a flush until it runs. */
  let scheduled = false;
  /** Flushes counted as in flight: not all their statements settled, and not held past maxHoldMs. */
  const inFlight = new Set<object>();
  /** Cancels the timer that stops waiting for the flushes in flight, while lookups are held back. */
  let cancelHold: (() => void) | null = null;

  function scheduleFlush(): void {
    if (scheduled || queued === null) return;
    if (inFlight.size >= maxInFlight) {
      cancelHold ??= setTimer(() => {
        cancelHold = null;
        inFlight.clear();
        scheduleFlush();
      }, maxHoldMs);
      return;
    }
    cancelHold?.();
    cancelHold = null;
    scheduled = true;
    schedule(flush);
  }

  /** Sends one statement; `settled` runs when it answers or fails, before its lookups are. */
  function send(keys: string[], waiters: Map<string, Waiter<R>[]>, settled: () => void): void {
    const fail = (error: unknown): void => {
      settled();
      for (const key of keys) for (const waiter of waiters.get(key) ?? []) waiter.reject(error);
    };
    let reading: Promise<R[]>;
    try {
      reading = options.read(keys);
    } catch (error) {
      fail(error);
      return;
    }
    reading.then((rows) => {
      const byKey = new Map<string, R>();
      try {
        for (const row of rows) byKey.set(options.keyOf(row), row);
      } catch (error) {
        // A malformed row fails its statement's lookups, never leaves them waiting.
        fail(error);
        return;
      }
      settled();
      for (const key of keys) for (const waiter of waiters.get(key) ?? []) waiter.resolve(byKey.get(key));
    }, fail);
  }

  function flush(): void {
    scheduled = false;
    const waiters = queued;
    queued = null;
    if (waiters === null) return;
    const keys = [...waiters.keys()];
    const slot = {};
    inFlight.add(slot);
    let unsettled = Math.ceil(keys.length / maxKeys);
    // The flush leaves the in-flight set when its last statement settles.
    const settled = (): void => {
      if (--unsettled > 0) return;
      inFlight.delete(slot);
      scheduleFlush();
    };
    for (let start = 0; start < keys.length; start += maxKeys)
      send(keys.slice(start, start + maxKeys), waiters, settled);
  }

  return (key) =>
    new Promise<R | undefined>((resolve, reject) => {
      if (queued === null) queued = new Map();
      const waiter = { resolve, reject };
      const same = queued.get(key);
      if (same === undefined) queued.set(key, [waiter]);
      else same.push(waiter);
      scheduleFlush();
    });
}
