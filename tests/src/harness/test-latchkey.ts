import { createLatchkey, type Latchkey } from "@latchkey/core";
import { createPasswordHasher } from "@latchkey/password";
import type { TestOptions } from "./app-under-test.js";
import { createTestClock, type TestClock } from "./test-clock.js";
import { createTestStores } from "./test-stores.js";

/**
 * argon2id with light parameters so a suite with hundreds of logins stays fast; the default
 * parameters have their own tests in @latchkey/password and in the ready-server tests.
 */
export const fastHasher = createPasswordHasher({ argon2: { memoryKiB: 1024, iterations: 1, parallelism: 1 } });

/** A latchkey instance over fresh SQLite stores and a test clock. */
export function createTestLatchkey(options: TestOptions = {}): { latchkey: Latchkey; clock: TestClock; databasePath: string; cleanup(): void } {
  const stores = createTestStores();
  const clock = createTestClock();
  const latchkey = createLatchkey({ ...options, passwords: { hasher: fastHasher, ...options.passwords }, stores: stores.stores, clock });
  return { latchkey, clock, databasePath: stores.path, cleanup: stores.cleanup };
}
