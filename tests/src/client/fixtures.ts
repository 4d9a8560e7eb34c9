import assert from "node:assert/strict";
import type { LatchkeyClient, SessionState } from "@latchkey/client";
import { startNodeApp } from "../harness/apps/node-app.js";
import type { AppUnderTest, TestOptions } from "../harness/app-under-test.js";

export const ALICE = { username: "alice", password: "correct horse battery", email: "alice@example.com" };

/** Starts a real latchkey server (node adapter, SQLite) with user alice, runs `body`, stops it. */
export async function withApp(body: (app: AppUnderTest) => Promise<void>, options: TestOptions = {}): Promise<void> {
  const app = await startNodeApp(options);
  try {
    const created = await app.latchkey.accounts.createUser(ALICE);
    assert.ok(created.ok, "alice is created");
    await body(app);
  } finally {
    await app.close();
  }
}

/**
 * Resolves once the client's state satisfies `accept` (at once if it already does). Event
 * driven, no polling: the test runner's timeout ends a wait that never comes true.
 */
export function waitForState(client: LatchkeyClient, accept: (state: SessionState) => boolean): Promise<SessionState> {
  return new Promise((resolve) => {
    if (accept(client.getState())) {
      resolve(client.getState());
      return;
    }
    const stop = client.subscribe((state) => {
      if (!accept(state)) return;
      stop();
      resolve(state);
    });
  });
}
