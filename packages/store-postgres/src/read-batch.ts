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
   * Runs `flush` once the lookups that arrived in this turn of the event loop are queued.
   * @default setImmediate: after every socket read in the current poll phase
   */
  schedule?: (flush: () => void) => void;
}

interface Waiter<R> {
  resolve(row: R | undefined): void;
  reject(error: unknown): void;
}

/**
 * Point reads by key, batched: every lookup made in one turn of the event loop joins one
 * statement (all the keys as one array parameter), sent when the turn ends, and each lookup gets its own
 * key's row. Fifty requests read from fifty sockets in one poll phase then cost one round
 * trip and one statement instead of fifty, in the server and in the database.
 *
 * Exactness (the attack it must not open: a revoked session accepted after its logout was
 * answered): a lookup only ever joins a batch that has not been sent yet, never a statement
 * already in flight. Each statement therefore starts after every lookup in it was made, and
 * sees every write committed before any of them, as a statement of its own would. A read
 * begun before a revocation's answer never answers a request that arrived after it.
 */
export function createReadBatch<R = Row>(options: ReadBatchOptions<R>): (key: string) => Promise<R | undefined> {
  const schedule = options.schedule ?? ((flush: () => void) => void setImmediate(flush));
  const maxKeys = Math.max(1, Math.floor(options.maxKeys));
  let queued: Map<string, Waiter<R>[]> | null = null;

  function send(keys: string[], waiters: Map<string, Waiter<R>[]>): void {
    const fail = (error: unknown): void => {
      for (const key of keys) for (const waiter of waiters.get(key) ?? []) waiter.reject(error);
    };
    options.read(keys).then((rows) => {
      const byKey = new Map<string, R>();
      try {
        for (const row of rows) byKey.set(options.keyOf(row), row);
      } catch (error) {
        // A malformed row fails its statement's lookups, never leaves them waiting.
        fail(error);
        return;
      }
      for (const key of keys) for (const waiter of waiters.get(key) ?? []) waiter.resolve(byKey.get(key));
    }, fail);
  }

  function flush(): void {
    const waiters = queued;
    queued = null;
    if (waiters === null) return;
    const keys = [...waiters.keys()];
    for (let start = 0; start < keys.length; start += maxKeys) send(keys.slice(start, start + maxKeys), waiters);
  }

  return (key) =>
    new Promise<R | undefined>((resolve, reject) => {
      if (queued === null) {
        queued = new Map();
        schedule(flush);
      }
      const waiter = { resolve, reject };
      const same = queued.get(key);
      if (same === undefined) queued.set(key, [waiter]);
      else same.push(waiter);
    });
}
