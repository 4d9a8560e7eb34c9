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

/** A read cache of at most `maxEntries` entries (0 disables it). */
export function createReadCache<T>(maxEntries: number): ReadCache<T> {
  const entries = new Map<string, T>();
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
      const value = entries.get(key);
      if (value === undefined) return undefined;
      // Map keeps insertion order: re-inserting makes this the most recently used.
      entries.delete(key);
      entries.set(key, value);
      return value;
    },
    set(key, value, generation) {
      if (maxEntries <= 0) return;
      sync(generation);
      entries.delete(key);
      entries.set(key, value);
      if (entries.size > maxEntries) {
        const oldest = entries.keys().next();
        if (oldest.done !== true) entries.delete(oldest.value);
      }
    },
    delete(key) {
      entries.delete(key);
    },
    clear() {
      entries.clear();
    },
  };
}
