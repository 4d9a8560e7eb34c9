import { createLatchkey, type Latchkey, type Stores } from "@latchkey/core";
import { createPasswordHasher } from "@latchkey/password";
import type { TestOptions } from "./app-under-test.js";
import { createTestClock, type TestClock } from "./test-clock.js";
import { createTestStores } from "./test-stores.js";

/**
 * argon2id with light parameters so a suite with hundreds of logins stays fast; the default
 * parameters have their own tests in @latchkey/password and in the ready-server tests.
 */
export const fastHasher = createPasswordHasher({ argon2: { memoryKiB: 1024, iterations: 1, parallelism: 1 } });

/** What a test may reach behind an app's back: the raw stores, and a switch to break them. */
export interface TestInternals {
  /** The SQLite stores the latchkey instance uses (e.g. to plant a Django password hash). */
  readonly stores: Stores;
  /** Closes the database under the running app, so every store call fails from then on. */
  breakStore(): void;
}

// Keyed by the latchkey instance, so every harness app built on createTestLatchkey gets
// these without any change to the app files or to AppUnderTest.
const internals = new WeakMap<Latchkey, TestInternals>();

/**
 * The stores and the outage switch behind an app's latchkey instance (`app.latchkey`).
 * Throws if the instance was not made by {@link createTestLatchkey}.
 */
export function testInternals(latchkey: Latchkey): TestInternals {
  const found = internals.get(latchkey);
  if (found === undefined)
    throw new Error("this latchkey instance was not built by createTestLatchkey(); build harness apps with it");
  return found;
}

/** A latchkey instance over fresh SQLite stores and a test clock. */
export function createTestLatchkey(options: TestOptions = {}): {
  latchkey: Latchkey;
  clock: TestClock;
  databasePath: string;
  cleanup(): void;
} {
  const { wrapStores, ...latchkeyOptions } = options;
  const clock = createTestClock();
  const stores = createTestStores(clock.now);
  const latchkey = createLatchkey({
    ...latchkeyOptions,
    passwords: { hasher: fastHasher, ...latchkeyOptions.passwords },
    stores: wrapStores === undefined ? stores.stores : wrapStores(stores.stores),
    clock,
  });
  internals.set(latchkey, { stores: stores.stores, breakStore: stores.breakStore });
  return { latchkey, clock, databasePath: stores.path, cleanup: stores.cleanup };
}
