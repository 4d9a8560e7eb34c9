import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createClient } from "@latchkey/client";
import { createFakeBrowser } from "./fake-browser.js";
import { ALICE, waitForState, withApp } from "./fixtures.js";

describe("@latchkey/client across tabs (BroadcastChannel)", () => {
  it("makes every other tab anonymous after a logout in one", async () => {
    await withApp(async (app) => {
      const browser = createFakeBrowser({ pageOrigin: app.baseUrl });
      const options = { baseUrl: app.baseUrl, fetch: browser.fetch, cookies: browser.cookies };
      const tabA = createClient(options);
      const tabB = createClient(options);
      try {
        assert.ok((await tabA.login(ALICE.username, ALICE.password)).ok);
        assert.equal((await tabB.refresh()).status, "authenticated");
        const tabBSeesLogout = waitForState(tabB, (state) => state.status === "anonymous");
        assert.ok((await tabA.logout()).ok);
        assert.deepEqual(await tabBSeesLogout, { status: "anonymous", user: null, error: null });
      } finally {
        tabA.close();
        tabB.close();
      }
    });
  });

  it("makes every other tab refresh after a login in one", async () => {
    await withApp(async (app) => {
      const browser = createFakeBrowser({ pageOrigin: app.baseUrl });
      const options = { baseUrl: app.baseUrl, fetch: browser.fetch, cookies: browser.cookies };
      const tabA = createClient(options);
      const tabB = createClient(options);
      try {
        assert.equal((await tabB.refresh()).status, "anonymous");
        const tabBSeesLogin = waitForState(tabB, (state) => state.status === "authenticated");
        assert.ok((await tabA.login(ALICE.username, ALICE.password)).ok);
        assert.equal((await tabBSeesLogin).user?.username, "alice");
      } finally {
        tabA.close();
        tabB.close();
      }
    });
  });

  it("ends the other tabs' own tokens in token mode with memory storage", async () => {
    await withApp(async (app) => {
      const browser = createFakeBrowser({ pageOrigin: app.baseUrl });
      const options = { baseUrl: app.baseUrl, mode: "token", fetch: browser.fetch } as const;
      const tabA = createClient(options);
      const tabB = createClient(options);
      try {
        assert.ok((await tabA.login(ALICE.username, ALICE.password)).ok);
        assert.ok((await tabB.login(ALICE.username, ALICE.password)).ok);
        const tokenB = tabB.getToken();
        assert.ok(tokenB !== null);
        const tabBSeesLogout = waitForState(tabB, (state) => state.status === "anonymous");
        assert.ok((await tabA.logout()).ok);
        await tabBSeesLogout;
        assert.equal(tabB.getToken(), null);
        // tabB becomes anonymous once its own token is revoked on the server.
        const stillValid = await fetch(`${app.baseUrl}/api/whoami/`, {
          headers: { authorization: `Bearer ${tokenB}` },
        });
        assert.equal(stillValid.status, 401);
      } finally {
        tabA.close();
        tabB.close();
      }
    });
  });
});
