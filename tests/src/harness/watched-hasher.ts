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
}

export function watchedHasher(inner: PasswordHasher): WatchedHasher {
  const started: string[] = [];
  const held: (() => void)[] = [];
  let holding = false;
  const admit = (password: string): Promise<void> => {
    started.push(password);
    return holding ? new Promise((resolve) => held.push(resolve)) : Promise.resolve();
  };
  return {
    get algorithm() {
      return inner.algorithm;
    },
    started,
    hash: (password) => inner.hash(password),
    async verify(encoded, password) {
      await admit(password);
      return inner.verify(encoded, password);
    },
    async verifyDummy(password) {
      await admit(password);
      return inner.verifyDummy(password);
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
