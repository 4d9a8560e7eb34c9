/**
 * A bounded memo of `parse` by its input string: the parse of a stored hash (a split, two
 * base64 decodes and the cost checks) is the same every time the same hash is verified,
 * and a login server verifies the same users' hashes over and over. At most `limit`
 * entries; when full, the entry used least recently goes. Malformed hashes (`null`) are
 * kept too, so an unusable hash costs what a usable one does.
 *
 * The values are shared between callers, so `parse` must return values nobody mutates
 * (the verifiers only read them). The hashes themselves stay in memory as long as they
 * are cached; they are in this process's memory on every login anyway.
 */
export function createParseCache<T>(parse: (encoded: string) => T, limit: number): (encoded: string) => T {
  const entries = new Map<string, T>();
  return (encoded) => {
    if (entries.has(encoded)) {
      const value = entries.get(encoded) as T;
      // Re-inserted: a Map iterates in insertion order, so the first key is the least recently used.
      entries.delete(encoded);
      entries.set(encoded, value);
      return value;
    }
    const value = parse(encoded);
    if (limit <= 0) return value;
    if (entries.size >= limit) {
      const oldest = entries.keys().next();
      if (oldest.done !== true) entries.delete(oldest.value);
    }
    entries.set(encoded, value);
    return value;
  };
}
