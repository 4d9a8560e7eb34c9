/** Counts what each key has in flight, against a bound per kind of key. */
export interface InFlight {
  /**
   * Admits one attempt for every `[key, bound]` pair at once, or none of them: gives the
   * function that ends the attempt, or the first key already at its bound.
   */
  enter(keys: readonly (readonly [key: string, bound: number])[]): Admission;
}

/** The outcome of {@link InFlight.enter}. */
export type Admission =
  | { readonly admitted: true; leave(): void }
  | { readonly admitted: false; readonly fullKey: string };

/**
 * A per-process count of attempts in flight per key. Checked and taken synchronously, so
 * simultaneous requests cannot all pass the check: JavaScript runs one of them at a time.
 */
export function createInFlight(): InFlight {
  const counts = new Map<string, number>();
  return {
    enter(keys) {
      const full = keys.find(([key, bound]) => (counts.get(key) ?? 0) >= bound);
      if (full !== undefined) return { admitted: false, fullKey: full[0] };
      for (const [key] of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
      let ended = false;
      const leave = (): void => {
        if (ended) return;
        ended = true;
        for (const [key] of keys) {
          const left = (counts.get(key) ?? 1) - 1;
          if (left <= 0) counts.delete(key);
          else counts.set(key, left);
        }
      };
      return { admitted: true, leave };
    },
  };
}
