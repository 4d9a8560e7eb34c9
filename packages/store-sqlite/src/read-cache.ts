import { LRUCache } from "lru-cache";

/** Default size of each store's read cache (sessions, users). Entries. */
export const DEFAULT_CACHE_ENTRIES = 10_000;

/**
 * A bounded map of records read from SQLite, valid for one {@link ChangeWatch} generation:
 * when the generation moves, everything is dropped. The least recently used entry goes
 * first when it is full.
 */
export interface ReadCache<T> {
  /**
   * The entry for `key` if it was stored at `generation`, else undefined (dropping all entries from older generations).
   */
  get(key: string, generation: number): T | undefined;
  /** Stores `value`, read at `generation`. */
  set(key: string, value: T, generation: number): void;
  delete(key: string): void;
  clear(): void;
}

/** A read cache that keeps nothing (`cacheEntries: 0`). */
const DISABLED: ReadCache<never> = Object.freeze({
  get: () => undefined,
  set: () => {},
  delete: () => {},
  clear: () => {},
});

/**
 * A read cache of at most `maxEntries` entries (0 disables it). Recency is kept by
 * `lru-cache`, which marks an entry most recent in place on a hit: a hit (every
 * authenticated request reads a session and a user) costs one lookup, where re-inserting
 * into a `Map` to mark it recent cost a delete and an insert and left garbage behind.
 */
export function createReadCache<T>(maxEntries: number): ReadCache<T> {
  if (maxEntries <= 0) return DISABLED;
  const entries = new LRUCache<string, NonNullable<T>>({ max: maxEntries });
  let current = 0;

  function sync(generation: number): void {
    if (generation !== current) {
      entries.clear();
      current = generation;
    }
  }

  return {
    get(key, generation) {
      sync(generation);
      return entries.get(key);
    },
    set(key, value, generation) {
      if (value === null || value === undefined) return;
      sync(generation);
      entries.set(key, value);
    },
    delete(key) {
      entries.delete(key);
    },
    clear() {
      entries.clear();
    },
  };
}
