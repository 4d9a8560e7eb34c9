// A test helper (the ".test." in the name keeps it out of the published package and the
// ".helper" suffix keeps the test runner from running it as a test file).
import type { LatchkeyOptions } from "./config/options.js";
import { resolveConfig } from "./config/resolve-config.js";
import type { ResolvedConfig } from "./config/resolved-config.js";
import type { LatchkeyRequest } from "./http/request.js";
import type { Stores } from "./ports/stores.js";
import type { RandomSource } from "./ports/world.js";

function unused(): never {
  throw new Error("this unit test must not reach a store");
}

/**
 * Stores with every method present (so the options validate) and none usable: core's pure
 * functions under test never touch a store, and if one did, the test would fail loudly.
 */
export function unusedStores(): Stores {
  return {
    sessions: {
      getSession: unused,
      createSession: unused,
      updateSessionExpiration: unused,
      deleteSession: unused,
      deleteUserSessions: unused,
      listUserSessions: unused,
      listSessions: unused,
      deleteExpiredSessions: unused,
    },
    users: {
      getUserById: unused,
      getUserByUsernameKey: unused,
      createUser: unused,
      updateUser: unused,
      listUsers: unused,
    },
    throttle: { consume: unused, refund: unused, reset: unused },
  };
}

/** A resolved configuration for these options (stores filled in). */
export function configFor(options: Omit<LatchkeyOptions, "stores"> = {}): ResolvedConfig {
  return resolveConfig({ ...options, stores: unusedStores() }).config;
}

/** What a fake request is made of. Header names are given in lower case. */
export interface FakeRequestInit {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  remoteAddress?: string;
  encrypted?: boolean;
}

/** A {@link LatchkeyRequest} with the given parts and no body. */
export function fakeRequest(init: FakeRequestInit = {}): LatchkeyRequest {
  const headers = init.headers ?? {};
  return {
    method: init.method ?? "POST",
    path: init.path ?? "/api/hello",
    header: (name) => headers[name],
    remoteAddress: init.remoteAddress ?? "127.0.0.1",
    encrypted: init.encrypted ?? false,
    readBody: async () => new Uint8Array(0),
  };
}

/** A "random" source that hands out `bytes` in order, over and over: for exact expectations. */
export function cyclingRandom(bytes: readonly number[]): RandomSource {
  let next = 0;
  return {
    fill(target) {
      for (let i = 0; i < target.length; i++) {
        target[i] = bytes[next % bytes.length] ?? 0;
        next += 1;
      }
      return target;
    },
  };
}
