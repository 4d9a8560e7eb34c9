import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createClient, type LatchkeyClient } from "@latchkey/client";
import { AuthProvider, createSessionsList, useSessions } from "@latchkey/react";
import { createElement, type ReactElement } from "react";
import { renderToString } from "react-dom/server";
import type { AppUnderTest } from "../harness/app-under-test.js";
import { createFakeBrowser } from "../client/fake-browser.js";
import { ALICE, withApp } from "../client/fixtures.js";

// The store behind useSessions() runs against a real server (node adapter, SQLite) with two
// logged-in "browsers"; the hook's mounted behaviour (load on login, revoke from the devices
// page) is covered in real Chromium by tests/src/browser/checks/account-pages.ts.

async function loggedIn(app: AppUnderTest): Promise<LatchkeyClient> {
  const browser = createFakeBrowser({ pageOrigin: app.baseUrl });
  const client = createClient({
    baseUrl: app.baseUrl,
    fetch: browser.fetch,
    cookies: browser.cookies,
    broadcast: false,
  });
  assert.ok((await client.login(ALICE.username, ALICE.password)).ok, "alice logs in");
  return client;
}

function Devices(): ReactElement {
  const { status, sessions } = useSessions();
  return createElement("p", { "data-status": status }, `${sessions.length} sessions`);
}

describe("useSessions() and its store", () => {
  it("lists both of alice's sessions with this one marked current, then revoking the other one ends it on the server", async () => {
    await withApp(async (app) => {
      const laptop = await loggedIn(app);
      const phone = await loggedIn(app);
      const list = createSessionsList(laptop);
      assert.equal(list.getState().status, "idle");
      const seen: string[] = [];
      list.subscribe(() => seen.push(list.getState().status));
      await list.reload();
      assert.deepEqual(seen, ["loading", "ready"]);
      const { sessions } = list.getState();
      assert.equal(sessions.length, 2);
      assert.equal(sessions.filter((s) => s.current).length, 1);

      const other = sessions.find((s) => !s.current);
      assert.ok(other !== undefined);
      const revoking = list.revoke(other.id);
      assert.deepEqual(list.getState().revoking, [other.id], "the id is marked in flight while the request runs");
      assert.ok((await revoking).ok);
      assert.deepEqual(list.getState().revoking, []);
      assert.deepEqual(
        list.getState().sessions.map((s) => s.current),
        [true],
        "the list was reloaded: only this session is left",
      );
      const phoneWhoami = await phone.whoami();
      assert.equal(!phoneWhoami.ok && phoneWhoami.error.status, 401, "the revoked session no longer works");
      assert.equal(laptop.getState().status, "authenticated");
    });
  });

  it("revokes every other session at once and reports how many ended", async () => {
    await withApp(async (app) => {
      const laptop = await loggedIn(app);
      const phone = await loggedIn(app);
      const tablet = await loggedIn(app);
      const list = createSessionsList(laptop);
      assert.deepEqual(await list.revokeOthers(), { ok: true, data: { revoked: 2 } });
      assert.equal(list.getState().status, "ready");
      assert.equal(list.getState().sessions.length, 1);
      for (const client of [phone, tablet]) {
        const answer = await client.whoami();
        assert.equal(!answer.ok && answer.error.status, 401);
      }
    });
  });

  it("revoking the current session logs out and forgets the list", async () => {
    await withApp(async (app) => {
      const laptop = await loggedIn(app);
      const list = createSessionsList(laptop);
      await list.reload();
      const current = list.getState().sessions.find((s) => s.current);
      assert.ok(current !== undefined);
      assert.ok((await list.revoke(current.id)).ok);
      assert.equal(laptop.getState().status, "anonymous");
      assert.deepEqual(list.getState(), { status: "idle", sessions: [], error: null, revoking: [] });
    });
  });

  it("shows a failed load as an error state with the client's error, not an exception", async () => {
    const client = createClient({
      baseUrl: "http://127.0.0.1:9",
      fetch: () => Promise.reject(new Error("no network in this test")),
      broadcast: false,
    });
    const list = createSessionsList(client);
    await list.reload();
    assert.equal(list.getState().status, "error");
    assert.equal(list.getState().error?.code, "network_error");
  });

  it("drops a list that arrives after clear(): no sessions reappear after a logout", async () => {
    await withApp(async (app) => {
      const laptop = await loggedIn(app);
      const list = createSessionsList(laptop);
      const loading = list.reload();
      list.clear();
      await loading;
      assert.equal(list.getState().status, "idle");
      assert.deepEqual(list.getState().sessions, []);
    });
  });

  it("renders idle with no sessions before anyone is logged in, and refuses to run outside an AuthProvider", () => {
    const client = createClient({
      baseUrl: "http://127.0.0.1:9",
      fetch: () => Promise.reject(new Error("no network in this test")),
      broadcast: false,
    });
    const html = renderToString(createElement(AuthProvider, { client }, createElement(Devices)));
    assert.match(html, /data-status="idle"/);
    assert.match(html, /0 sessions/);
    assert.throws(() => renderToString(createElement(Devices)), /inside <AuthProvider/);
  });
});
