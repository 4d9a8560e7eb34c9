import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createClient } from "@latchkey/client";
import { createFakeBrowser } from "./fake-browser.js";
import { ALICE, withApp } from "./fixtures.js";

describe("@latchkey/client in cookie mode, against a real server", () => {
  it("logs in, answers whoami and logs out, with values and state to match", async () => {
    await withApp(async (app) => {
      const browser = createFakeBrowser({ pageOrigin: app.baseUrl });
      const client = createClient({
        baseUrl: app.baseUrl,
        fetch: browser.fetch,
        cookies: browser.cookies,
        broadcast: false,
      });
      assert.equal(client.getState().status, "loading");
      assert.equal(client.getState(), client.getState(), "getState returns the same object until a change");

      const first = await client.refresh();
      assert.deepEqual(first, { status: "anonymous", user: null, error: null });
      assert.equal(
        browser.sentTo("/api/whoami/").length,
        0,
        "an anonymous visitor causes no 401: /session/ answers first",
      );
      assert.ok(browser.cookie("csrftoken"), "the first check leaves the CSRF cookie");

      const login = await client.login(ALICE.username, ALICE.password);
      assert.ok(login.ok, JSON.stringify(login));
      assert.equal(login.data.user.username, "alice");
      assert.equal(client.getState().status, "authenticated");
      assert.equal(client.getState().user?.username, "alice");

      const me = await client.whoami();
      assert.ok(me.ok);
      assert.equal(me.data.email, "alice@example.com");

      const hello = await client.fetch("/api/hello/");
      assert.deepEqual(await hello.json(), { hello: "alice" });

      const logout = await client.logout();
      assert.deepEqual(logout, { ok: true, data: { detail: "Successfully logged out." } });
      assert.deepEqual(client.getState(), { status: "anonymous", user: null, error: null });

      const after = await client.whoami();
      assert.deepEqual(after, {
        ok: false,
        error: { status: 401, code: "not_authenticated", detail: "Authentication credentials were not provided." },
      });
      client.close();
    });
  });

  it("restores an existing session on refresh", async () => {
    await withApp(async (app) => {
      const browser = createFakeBrowser({ pageOrigin: app.baseUrl });
      const tab1 = createClient({
        baseUrl: app.baseUrl,
        fetch: browser.fetch,
        cookies: browser.cookies,
        broadcast: false,
      });
      assert.ok((await tab1.login(ALICE.username, ALICE.password)).ok);
      const reloaded = createClient({
        baseUrl: app.baseUrl,
        fetch: browser.fetch,
        cookies: browser.cookies,
        broadcast: false,
      });
      const state = await reloaded.refresh();
      assert.equal(state.status, "authenticated");
      assert.equal(state.user?.username, "alice");
    });
  });

  it("attaches the CSRF token from the readable cookie to unsafe requests only", async () => {
    await withApp(async (app) => {
      const browser = createFakeBrowser({ pageOrigin: app.baseUrl });
      const client = createClient({
        baseUrl: app.baseUrl,
        fetch: browser.fetch,
        cookies: browser.cookies,
        broadcast: false,
      });
      await client.refresh();
      const cookieBeforeLogin = browser.cookie("csrftoken");
      assert.ok((await client.login(ALICE.username, ALICE.password)).ok);
      const [loginRequest] = browser.sentTo("/api/login/", "POST");
      assert.equal(loginRequest?.headers.get("x-csrftoken"), cookieBeforeLogin);
      assert.notEqual(browser.cookie("csrftoken"), cookieBeforeLogin, "login rotated the CSRF secret");

      const posted = await client.fetch("/api/hello/", {
        method: "POST",
        body: "{}",
        headers: { "Content-Type": "application/json" },
      });
      assert.equal(posted.status, 200);
      const [post] = browser.sentTo("/api/hello/", "POST");
      assert.equal(
        post?.headers.get("x-csrftoken"),
        browser.cookie("csrftoken"),
        "the rotated token is sent after login",
      );
      await client.fetch("/api/hello/");
      const [get] = browser.sentTo("/api/hello/", "GET");
      assert.equal(get?.headers.get("x-csrftoken"), null, "no token on a safe method");
      assert.equal(get?.credentials, "include", "cookies go to an API on another origin");
    });
  });

  it("takes the token from the X-CSRFToken response header when the cookie is unreadable", async () => {
    await withApp(async (app) => {
      const browser = createFakeBrowser({ pageOrigin: app.baseUrl });
      // An API on another site: document.cookie never shows its csrftoken cookie.
      const client = createClient({ baseUrl: app.baseUrl, fetch: browser.fetch, cookies: () => "", broadcast: false });
      const login = await client.login(ALICE.username, ALICE.password);
      assert.ok(login.ok, JSON.stringify(login));
      assert.equal(browser.sentTo("/api/csrf/").length, 1, "with no token at all, /csrf/ is asked first");
      const sentToken = browser.sentTo("/api/login/")[0]?.headers.get("x-csrftoken");
      assert.ok(
        sentToken !== undefined && sentToken !== null && sentToken.length === 64,
        "the masked header token is sent",
      );

      const posted = await client.fetch("/api/hello/", { method: "POST" });
      assert.equal(posted.status, 200, await posted.clone().text());
      assert.equal(
        browser.sentTo("/api/csrf/").length,
        1,
        "the rotated token came with the login answer: no extra /csrf/ request",
      );
      assert.equal(browser.sentTo("/api/hello/", "POST").length, 1, "no retry was needed");
    });
  });

  it("recovers from a stale token (another tab logged in and rotated the secret) by refreshing once and retrying", async () => {
    await withApp(async (app) => {
      const browser = createFakeBrowser({ pageOrigin: app.baseUrl });
      const options = { baseUrl: app.baseUrl, fetch: browser.fetch, cookies: () => "", broadcast: false };
      const tabA = createClient(options);
      const tabB = createClient(options);
      await tabA.refresh();
      await tabB.refresh();
      assert.ok((await tabB.login(ALICE.username, ALICE.password)).ok);

      // tabA still holds the header token from before tabB's login: the secret has changed since.
      const response = await tabA.fetch("/api/hello/", {
        method: "POST",
        body: JSON.stringify({ n: 1 }),
        headers: { "Content-Type": "application/json" },
      });
      assert.equal(response.status, 200, await response.clone().text());
      assert.deepEqual(await response.json(), { hello: "alice" });
      const posts = browser.sentTo("/api/hello/", "POST");
      assert.equal(posts.length, 2, "one refused attempt, one retry");
      assert.notEqual(posts[0]?.headers.get("x-csrftoken"), posts[1]?.headers.get("x-csrftoken"));
    });
  });

  it("recovers when the CSRF cookie was deleted", async () => {
    await withApp(async (app) => {
      const browser = createFakeBrowser({ pageOrigin: app.baseUrl });
      const client = createClient({
        baseUrl: app.baseUrl,
        fetch: browser.fetch,
        cookies: browser.cookies,
        broadcast: false,
      });
      assert.ok((await client.login(ALICE.username, ALICE.password)).ok);
      browser.deleteCookie("csrftoken");
      const csrfCallsBefore = browser.sentTo("/api/csrf/").length;
      const response = await client.fetch("/api/hello/", { method: "POST", body: new URLSearchParams({ a: "1" }) });
      assert.equal(response.status, 200, await response.clone().text());
      assert.equal(browser.sentTo("/api/csrf/").length, csrfCallsBefore + 1);
      assert.ok(browser.cookie("csrftoken"), "the refresh set a new cookie");
    });
  });

  it("passes over a readable same-named cookie that is not the API's, after one refusal", async () => {
    await withApp(async (app) => {
      const browser = createFakeBrowser({ pageOrigin: app.baseUrl });
      // document.cookie shows the page host's own csrftoken, which the API never receives.
      const foreign = "A".repeat(32);
      const client = createClient({
        baseUrl: app.baseUrl,
        fetch: browser.fetch,
        cookies: () => `csrftoken=${foreign}`,
        broadcast: false,
      });
      await client.refresh();
      const login = await client.login(ALICE.username, ALICE.password);
      assert.ok(login.ok, JSON.stringify(login));
      const logins = browser.sentTo("/api/login/");
      assert.equal(logins.length, 2, "refused once with the foreign cookie, then retried with the header token");
      assert.equal(logins[0]?.headers.get("x-csrftoken"), foreign);
      const posted = await client.fetch("/api/hello/", { method: "POST" });
      assert.equal(posted.status, 200);
      assert.equal(browser.sentTo("/api/hello/", "POST").length, 1, "the foreign cookie is not tried again");
    });
  });

  it("retries at most once when the server keeps refusing the token", async () => {
    await withApp(async (app) => {
      const browser = createFakeBrowser({ pageOrigin: app.baseUrl });
      const client = createClient({
        baseUrl: app.baseUrl,
        fetch: browser.fetch,
        cookies: browser.cookies,
        broadcast: false,
      });
      assert.ok((await client.login(ALICE.username, ALICE.password)).ok);
      // From now on the browser stores no CSRF cookie (as with third-party cookies blocked), so
      // every token check fails however often the client refreshes.
      browser.refuseCookie("csrftoken");
      const response = await client.fetch("/api/hello/", { method: "POST" });
      assert.equal(response.status, 403);
      assert.equal(browser.sentTo("/api/hello/", "POST").length, 2, "the first attempt and exactly one retry");

      const logout = await client.logout();
      assert.ok(
        !logout.ok && logout.error.status === 403 && logout.error.code === "csrf_cookie_missing",
        JSON.stringify(logout),
      );
      assert.equal(browser.sentTo("/api/logout/").length, 2);
      assert.equal(client.getState().status, "authenticated", "a refused logout changes nothing");
    });
  });

  it("does not retry a request whose body is a stream", async () => {
    await withApp(async (app) => {
      const browser = createFakeBrowser({ pageOrigin: app.baseUrl });
      const client = createClient({ baseUrl: app.baseUrl, fetch: browser.fetch, cookies: () => "", broadcast: false });
      assert.ok((await client.login(ALICE.username, ALICE.password)).ok);
      browser.deleteCookie("csrftoken");
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode("{}"));
          controller.close();
        },
      });
      const response = await client.fetch("/api/hello/", { method: "POST", body, duplex: "half" });
      assert.equal(response.status, 403);
      const refusal: unknown = await response.json();
      assert.deepEqual(
        refusal,
        { detail: "CSRF Failed: CSRF cookie not set.", code: "csrf_cookie_missing" },
        "the caller still gets the refusal's body",
      );
      assert.equal(browser.sentTo("/api/hello/", "POST").length, 1);
    });
  });

  it("moves the state to anonymous on any 401, including the app's own routes", async () => {
    await withApp(async (app) => {
      const browser = createFakeBrowser({ pageOrigin: app.baseUrl });
      const client = createClient({
        baseUrl: app.baseUrl,
        fetch: browser.fetch,
        cookies: browser.cookies,
        broadcast: false,
      });
      assert.ok((await client.login(ALICE.username, ALICE.password)).ok);
      const seen: string[] = [];
      client.subscribe((state) => seen.push(state.status));
      // The session ends behind the client's back (expired, revoked elsewhere).
      browser.deleteCookie("sessionid");
      const response = await client.fetch("/api/hello/");
      assert.equal(response.status, 401);
      assert.deepEqual(client.getState(), { status: "anonymous", user: null, error: null });
      assert.deepEqual(seen, ["anonymous"]);
    });
  });

  it("answers wrong credentials and throttling as values with the server's codes", async () => {
    await withApp(
      async (app) => {
        const browser = createFakeBrowser({ pageOrigin: app.baseUrl });
        const client = createClient({
          baseUrl: app.baseUrl,
          fetch: browser.fetch,
          cookies: browser.cookies,
          broadcast: false,
        });
        await client.refresh();
        const wrong = await client.login(ALICE.username, "wrong password");
        assert.deepEqual(wrong, {
          ok: false,
          error: { status: 400, code: "invalid_credentials", detail: "Invalid credentials." },
        });
        assert.equal(client.getState().status, "anonymous");
        await client.login(ALICE.username, "wrong again");
        const throttled = await client.login(ALICE.username, ALICE.password);
        assert.equal(throttled.ok, false);
        assert.ok(!throttled.ok);
        assert.equal(throttled.error.status, 429);
        assert.equal(throttled.error.code, "throttled");
        assert.equal(typeof throttled.error.retryAfterSeconds, "number");
        assert.ok((throttled.error.retryAfterSeconds ?? 0) > 0);
      },
      { throttle: { perAccount: { points: 2, durationSeconds: 60 } } },
    );
  });

  it("changes the password and keeps this session", async () => {
    await withApp(async (app) => {
      const browser = createFakeBrowser({ pageOrigin: app.baseUrl });
      const client = createClient({
        baseUrl: app.baseUrl,
        fetch: browser.fetch,
        cookies: browser.cookies,
        broadcast: false,
      });
      assert.ok((await client.login(ALICE.username, ALICE.password)).ok);
      const wrong = await client.changePassword("not it", "a brand new passphrase");
      assert.ok(!wrong.ok && wrong.error.code === "password_incorrect", JSON.stringify(wrong));
      const changed = await client.changePassword(ALICE.password, "a brand new passphrase");
      assert.deepEqual(changed, { ok: true, data: { detail: "Password changed." } });
      const me = await client.whoami();
      assert.ok(me.ok, "the session survives under its new token");
    });
  });

  it("turns an unreachable server into a network_error value and ends loading", async () => {
    await withApp(async (app) => {
      const browser = createFakeBrowser({ pageOrigin: app.baseUrl });
      const client = createClient({
        baseUrl: app.baseUrl,
        fetch: browser.fetch,
        cookies: browser.cookies,
        broadcast: false,
      });
      await app.close();
      const login = await client.login(ALICE.username, ALICE.password);
      assert.equal(login.ok, false);
      assert.ok(!login.ok);
      assert.equal(login.error.status, 0);
      assert.equal(login.error.code, "network_error");
      const state = await client.refresh();
      assert.equal(state.status, "anonymous", "a failed first check does not leave the app loading forever");
      assert.equal(state.error?.code, "network_error");
    });
  });

  it("keeps an authenticated state when a later check cannot reach the server", async () => {
    await withApp(async (app) => {
      const browser = createFakeBrowser({ pageOrigin: app.baseUrl });
      const client = createClient({
        baseUrl: app.baseUrl,
        fetch: browser.fetch,
        cookies: browser.cookies,
        broadcast: false,
      });
      assert.ok((await client.login(ALICE.username, ALICE.password)).ok);
      await app.close();
      const state = await client.refresh();
      assert.equal(state.status, "authenticated", "an outage never logs anyone out on screen");
      assert.equal(state.error?.code, "network_error");
    });
  });

  it("sends no cookie header, CSRF token or credentials to other origins", async () => {
    await withApp(async (app) => {
      await withApp(async (other) => {
        const browser = createFakeBrowser({ pageOrigin: app.baseUrl });
        const client = createClient({
          baseUrl: app.baseUrl,
          fetch: browser.fetch,
          cookies: browser.cookies,
          broadcast: false,
        });
        assert.ok((await client.login(ALICE.username, ALICE.password)).ok);
        await client.fetch(`${other.baseUrl}/api/public/`, { method: "POST" });
        const [sent] = browser.sentTo("/api/public/");
        assert.equal(sent?.origin, other.baseUrl);
        assert.equal(sent?.headers.get("x-csrftoken"), null);
        assert.notEqual(sent?.credentials, "include");
      });
    });
  });

  it("uses configured route paths and header names", async () => {
    await withApp(
      async (app) => {
        const browser = createFakeBrowser({ pageOrigin: app.baseUrl });
        const client = createClient({
          baseUrl: app.baseUrl,
          basePath: "/api",
          routes: { login: "/auth/login/", whoami: "/me/" },
          csrfHeaderName: "X-XSRF-Token",
          fetch: browser.fetch,
          cookies: browser.cookies,
          broadcast: false,
        });
        assert.ok((await client.login(ALICE.username, ALICE.password)).ok);
        assert.ok((await client.whoami()).ok);
        assert.equal(browser.sentTo("/api/auth/login/").length, 1);
        assert.equal(browser.sentTo("/api/me/").length, 1);
        assert.ok(browser.sentTo("/api/auth/login/")[0]?.headers.get("x-xsrf-token"));
      },
      { routes: { login: "/auth/login/", whoami: "/me/" }, csrf: { headerName: "X-XSRF-Token" } },
    );
  });
});
