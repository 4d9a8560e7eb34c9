import type { StoreName } from "@latchkey/core";
import type Database from "better-sqlite3";
import { createChangeWatch, UNWATCHED, type ChangeWatch } from "./change-watch.js";
import { createReadCache, DEFAULT_CACHE_ENTRIES, type ReadCache } from "./read-cache.js";
import { toStoreError } from "./store-error.js";

/** Options of {@link createCachedReads}, as the session and user stores take them. */
export interface CachedReadsOptions {
  /**
   * Records kept in memory once read. 0 turns the cache off.
   * @default 10000
   */
  cacheEntries?: number;
  /**
   * The connection's change watch, shared between the stores.
   * @default a watch of its own (none when the cache is off)
   */
  watch?: ChangeWatch;
}

/** What one store reads through its cache. */
export interface CachedReadsSource<T> {
  /** Named in the StoreUnavailableError a failed read becomes. */
  store: StoreName;
  /** Reads the row for `key` (undefined when there is none). */
  read(key: string): unknown;
  /** Turns a row into the record, refusing a malformed one. */
  toRecord(row: unknown): T;
  /**
   * Freezes the record (arrays included) and returns it: cached records are handed out as
   * they are, the same object on every hit, so a caller can neither change the cached one
   * nor pay for a copy, and what the engine derives from a record (the user without its
   * password hash, its rendered JSON) is kept per object and reused across requests.
   */
  freeze(record: T): T;
}

/** A read cache in front of one statement, kept exact by the connection's {@link ChangeWatch}. */
export interface CachedReads<T> {
  /**
   * The record for `key`, or null when there is no row: from the cache when nothing may
   * have changed since it was read, else from the database (and then cached).
   * @throws StoreUnavailableError when the database cannot be used
   */
  get(key: string): T | null;
  /**
   * The cached record for `key` when nothing may have changed since it was read, else
   * undefined (not cached, or the database could not be asked): never reads a row, never throws.
   */
  peek(key: string): T | undefined;
  /** The cache, for the store's writes to drop what they change. */
  readonly cache: ReadCache<T>;
  /** The watch, for the store's writes to account for themselves (`generation()` before, `ownWrite()` after). */
  readonly watch: ChangeWatch;
}

/** Puts a read cache in front of `source.read`, for the stores' hot reads (a session by id, a user by id). */
export function createCachedReads<T>(
  database: Database.Database,
  options: CachedReadsOptions,
  source: CachedReadsSource<T>,
): CachedReads<T> {
  const entries = options.cacheEntries ?? DEFAULT_CACHE_ENTRIES;
  const watch = options.watch ?? (entries > 0 ? createChangeWatch(database) : UNWATCHED);
  const cache = createReadCache<T>(entries);
  const { store, read, toRecord, freeze } = source;
  return {
    cache,
    watch,
    get(key) {
      let row: unknown;
      let generation: number;
      try {
        // Taken before the row is read: a commit landing between the two moves the generation
        // past this entry, instead of a stale row being cached under the newer generation.
        generation = watch.generation();
        const cached = cache.get(key, generation);
        if (cached !== undefined) return cached;
        row = read(key);
      } catch (error) {
        throw toStoreError(store, error);
      }
      if (row === undefined) return null;
      const record = freeze(toRecord(row));
      // Inside an open transaction the row may yet be rolled back: not cached.
      if (!database.inTransaction) cache.set(key, record, generation);
      return record;
    },
    peek(key) {
      try {
        // The same generation check as get(): a peek is exactly as current as a cache hit there.
        return cache.get(key, watch.generation());
      } catch {
        return undefined;
      }
    },
  };
}
