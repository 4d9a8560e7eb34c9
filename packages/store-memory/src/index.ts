export { memoryStores, type MemoryStores, type MemoryStoresOptions } from "./memory-stores.js";
export { memorySessionStore } from "./memory-session-store.js";
export { memoryUserStore, type MemoryUserStore, type MemoryUserStoreOptions } from "./memory-user-store.js";
export { memoryThrottleStore, type MemoryThrottleStoreOptions } from "./memory-throttle-store.js";
export { memoryAccountStore } from "./memory-account-store.js";
export { memoryPasskeyStore } from "./memory-passkey-store.js";
export { memoryMfaStore } from "./memory-mfa-store.js";
