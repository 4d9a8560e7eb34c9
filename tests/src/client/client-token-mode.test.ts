import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createClient } from "@latchkey/client";
import { createFakeBrowser, createFakeStorage } from "./fake-browser.js";
import { ALICE, withApp } from "./fixtures.js";

describe("@latchkey/client in token mode, against a real server", () => {
  it("logs in through the token route and sends a bearer token, with no cookies and no CSRF token", async () => {
    await withApp(async (app) => {
      const browser = createFakeBrowser({ pageOrigin: app.baseUrl });
      const storage = createFakeStorage();
      const client = createClient({
        baseUrl: app.baseUrl,
        mode: "token",
        storage,
        fetch: browser.fetch,
        cookies: browser.cookies,
        broadcast: false,
      });
      assert.equal(client.mode, "token");
      assert.deepEqual(await client.refresh(), { status: "anonymous", user: null, error: null });
      assert.equal(browser.sent.length, 0, "without a token there is nothing to ask the server");

      const login = await client.login(ALICE.username, ALICE.password);
      assert.ok(login.ok, JSON.stringify(login));
      assert.equal(browser.sentTo("/api/token/login/", "POST").length, 1);
      assert.equal(browser.sentTo("/api/login/").length, 0);
      const token = client.getToken();
      assert.ok(token !== null && token.length > 20);
      assert.equal(client.getState().status, "authenticated");

      const me = await client.whoami();
      assert.ok(me.ok);
      const posted = await client.fetch("/api/hello/", { method: "POST" });
      assert.equal(posted.status, 200);
      for (const request of browser.sent) {
        assert.equal(request.credentials, "omit", `${request.method} ${request.path} omits credentials`);
        assert.equal(request.sentCookies, false);
        assert.equal(request.headers.get("x-csrftoken"), null);
      }
      assert.equal(browser.sentTo("/api/whoami/")[0]?.headers.get("authorization"), `Bearer ${token}`);
      assert.equal(browser.sentTo("/api/hello/", "POST")[0]?.headers.get("authorization"), `Bearer ${token}`);
      assert.equal(storage.writes, 0, "memory mode writes nothing to storage");
      assert.equal(storage.items.size, 0);

      const logout = await client.logout();
      assert.ok(logout.ok, JSON.stringify(logout));
      assert.equal(browser.sentTo("/api/token/logout/", "POST").length, 1);
      assert.equal(client.getToken(), null);
      assert.equal(client.getState().status, "anonymous");
      const revoked = await fetch(`${app.baseUrl}/api/whoami/`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(revoked.status, 401, "the token is revoked on the server, not just forgotten");
    });
  });

  it("keeps the token in localStorage only when opted in, shared by every tab", async () => {
    await withApp(async (app) => {
      const browser = createFakeBrowser({ pageOrigin: app.baseUrl });
      const storage = createFakeStorage();
      const options = {
        baseUrl: app.baseUrl,
        mode: "token",
        tokenStorage: "localStorage",
        storage,
        fetch: browser.fetch,
        broadcast: false,
      } as const;
      const tab1 = createClient(options);
      assert.ok((await tab1.login(ALICE.username, ALICE.password)).ok);
      assert.equal(storage.items.get("latchkey.token"), tab1.getToken());

      const tab2 = createClient(options);
      const state = await tab2.refresh();
      assert.equal(state.status, "authenticated");
      assert.equal(state.user?.username, "alice");

      assert.ok((await tab2.logout()).ok);
      assert.equal(storage.items.size, 0, "logout removes the token");
      assert.equal(tab1.getToken(), null);
    });
  });

  it("forgets a token the server refuses and moves to anonymous", async () => {
    await withApp(async (app) => {
      const browser = createFakeBrowser({ pageOrigin: app.baseUrl });
      const storage = createFakeStorage();
      storage.items.set("latchkey.token", "not-a-real-token");
      const client = createClient({
        baseUrl: app.baseUrl,
        mode: "token",
        tokenStorage: "localStorage",
        storage,
        fetch: browser.fetch,
        broadcast: false,
      });
      const state = await client.refresh();
      assert.equal(state.status, "anonymous");
      assert.equal(state.error, null, "a refused token is an answer, not an outage");
      assert.equal(client.getToken(), null);
      assert.equal(storage.items.size, 0);
    });
  });

  it("stores the replacement token after a password change", async () => {
    await withApp(async (app) => {
      const browser = createFakeBrowser({ pageOrigin: app.baseUrl });
      const client = createClient({ baseUrl: app.baseUrl, mode: "token", fetch: browser.fetch, broadcast: false });
      assert.ok((await client.login(ALICE.username, ALICE.password)).ok);
      const before = client.getToken();
      const changed = await client.changePassword(ALICE.password, "a brand new passphrase");
      assert.ok(changed.ok, JSON.stringify(changed));
      assert.notEqual(client.getToken(), before);
      assert.ok((await client.whoami()).ok, "the new token works");
    });
  });

  it("answers logout without a token as not_logged_in", async () => {
    await withApp(async (app) => {
      const browser = createFakeBrowser({ pageOrigin: app.baseUrl });
      const client = createClient({ baseUrl: app.baseUrl, mode: "token", fetch: browser.fetch, broadcast: false });
      const logout = await client.logout();
      assert.deepEqual(logout, {
        ok: false,
        error: { status: 400, code: "not_logged_in", detail: "You're not logged in." },
      });
      assert.equal(client.getState().status, "anonymous");
    });
  });
});
