import type { PasswordHasher } from "@latchkey/password";

/**
 * A {@link PasswordHasher} around a real one that records every password verification
 * (`verify` and `verifyDummy`: one per password check, known user or not) and can hold them
 * until the test releases them, so a test can see how many checks a burst caused and in
 * which order they started, without timing anything.
 */
export interface WatchedHasher extends PasswordHasher {
  /** The passwords of the verifications started so far, in order. */
  readonly started: readonly string[];
  /** Hold every verification from now on, until released. */
  hold(): void;
  /** Lets the oldest held verification go on. Returns false when none is held. */
  releaseOne(): boolean;
  /** Lets every held verification go on, and stops holding. */
  releaseAll(): void;
  /** The most verifications that were ever running at once (held ones included). */
  readonly maxInFlight: number;
}

export function watchedHasher(inner: PasswordHasher): WatchedHasher {
  const started: string[] = [];
  const held: (() => void)[] = [];
  let holding = false;
  let inFlight = 0;
  let maxInFlight = 0;
  const admit = (password: string): Promise<void> => {
    started.push(password);
    return holding ? new Promise((resolve) => held.push(resolve)) : Promise.resolve();
  };
  const counted = async <T>(password: string, verification: () => Promise<T>): Promise<T> => {
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      await admit(password);
      return await verification();
    } finally {
      inFlight -= 1;
    }
  };
  return {
    get algorithm() {
      return inner.algorithm;
    },
    started,
    hash: (password) => inner.hash(password),
    verify: (encoded, password) => counted(password, () => inner.verify(encoded, password)),
    verifyDummy: (password) => counted(password, () => inner.verifyDummy(password)),
    get maxInFlight() {
      return maxInFlight;
    },
    hold() {
      holding = true;
    },
    releaseOne() {
      const next = held.shift();
      next?.();
      return next !== undefined;
    },
    releaseAll() {
      holding = false;
      for (const next of held.splice(0)) next();
    },
  };
}
