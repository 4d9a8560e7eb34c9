import type { AccountStore, MfaStore, PasskeyStore, Stores } from "@latchkey/core";
import { memoryAccountStore } from "./memory-account-store.js";
import { memoryPasskeyStore } from "./memory-passkey-store.js";
import { memoryMfaStore } from "./memory-mfa-store.js";
import { memorySessionStore } from "./memory-session-store.js";
import { memoryThrottleStore } from "./memory-throttle-store.js";
import { memoryUserStore, type MemoryUserStore, type MemoryUserStoreOptions } from "./memory-user-store.js";

/** Options of {@link memoryStores}: today only the user store takes any. */
export type MemoryStoresOptions = MemoryUserStoreOptions;

/** The in-memory stores; `users` also administers group permissions. */
export interface MemoryStores extends Stores {
  users: MemoryUserStore;
  accounts: AccountStore;
  passkeys: PasskeyStore;
  mfa: MfaStore;
}

/**
 * Sessions, users and throttle counters in this process's memory: for tests and
 * single-process development. Nothing survives a restart and nothing is shared between
 * processes, so a revocation in one process would not be seen by another.
 */
export function memoryStores(options: MemoryStoresOptions = {}): MemoryStores {
  return {
    sessions: memorySessionStore(),
    users: memoryUserStore(options),
    throttle: memoryThrottleStore(),
    accounts: memoryAccountStore(),
    passkeys: memoryPasskeyStore(),
    mfa: memoryMfaStore(),
  };
}
