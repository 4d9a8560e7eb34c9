// The secret half of a session token decides, on every path a session can be found by: from
// the SQLite stores' memory (peekSession), from a store read, and from the session cache.
// The attack: someone who holds a session id (ids are not secret: they show in logs and
// admin lists) guesses its secret, one position at a time.
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import {
  createLatchkey,
  createLocalInvalidationBus,
  type Latchkey,
  type LatchkeyOptions,
  type Stores,
} from "@latchkey/core";
import { createSignedIn, whoamiRequest as whoami } from "../harness/signed-in.js";
import { createTestClock } from "../harness/test-clock.js";
import { fastHasher } from "../harness/test-latchkey.js";
import { createTestStores } from "../harness/test-stores.js";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

type Path = "memory" | "store" | "session cache";

/** latchkey over real SQLite stores with one signed-in session, finding sessions by `path`. */
async function setUp(path: Path): Promise<{ latchkey: Latchkey; token: string }> {
  const clock = createTestClock();
  const test = createTestStores(clock.now);
  cleanups.push(test.cleanup);
  const real = test.stores;
  // Without peekSession, every request reads the session from the store.
  const { peekSession: _peek, ...unpeekable } = real.sessions;
  const stores: Stores = path === "store" ? { ...real, sessions: unpeekable } : real;
  const { token } = await createSignedIn(real, "secret", clock.now());
  const options: LatchkeyOptions = { stores, clock, passwords: { hasher: fastHasher } };
  const cached: LatchkeyOptions =
    path === "session cache"
      ? { ...options, sessionCache: { enabled: true }, invalidationBus: createLocalInvalidationBus() }
      : options;
  return { latchkey: createLatchkey(cached), token };
}

/** The token with the secret's character at `position` replaced by another base64url character. */
function changedAt(token: string, position: number): string {
  const at = 23 + position;
  const replacement = token[at] === "A" ? "B" : "A";
  return token.slice(0, at) + replacement + token.slice(at + 1);
}

describe("a session's secret", () => {
  for (const path of ["memory", "store", "session cache"] as const) {
    it(`refuses a secret that differs from the real one in any one of its 43 positions (session found in ${path})`, async () => {
      const { latchkey, token } = await setUp(path);
      // Twice: the second answer comes from memory or the session cache where there is one.
      for (let i = 0; i < 2; i++) assert.equal((await latchkey.handle(whoami(token)))?.status, 200);
      for (let position = 0; position < 43; position++) {
        const answer = await latchkey.handle(whoami(changedAt(token, position)));
        assert.equal(answer?.status, 401, `the secret changed at position ${position}`);
      }
      assert.equal((await latchkey.handle(whoami(token)))?.status, 200, "the real token still works");
    });
  }
});
