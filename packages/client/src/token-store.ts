import type { ClientConfig } from "./options.js";

/** Where token mode keeps its bearer token. */
export interface BearerTokenStore {
  get(): string | null;
  set(token: string): void;
  clear(): void;
}

/**
 * In memory by default. With `tokenStorage: "localStorage"` the token is read from storage on
 * every use, so all tabs share one token and a logout in any tab (which removes it) holds in
 * all. Storage that throws (quota, disabled storage) degrades to memory rather than failing.
 */
export function createBearerTokenStore(config: ClientConfig): BearerTokenStore {
  const storage = config.storage;
  const key = config.tokenStorageKey;
  let memory: string | null = null;
  // Set when storage refused the token, so `get` answers from memory instead of storage.
  let storageFailed = false;
  if (storage === null) {
    return {
      get: () => memory,
      set(token) {
        memory = token;
      },
      clear() {
        memory = null;
      },
    };
  }
  return {
    get() {
      if (storageFailed) return memory;
      try {
        return storage.getItem(key);
      } catch {
        return memory;
      }
    },
    set(token) {
      memory = token;
      try {
        storage.setItem(key, token);
        storageFailed = false;
      } catch {
        storageFailed = true;
      }
    },
    clear() {
      memory = null;
      storageFailed = false;
      try {
        storage.removeItem(key);
      } catch {
        // Nothing stored to remove.
      }
    },
  };
}
