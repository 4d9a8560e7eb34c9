import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createClient, type LatchkeyClient } from "@latchkey/client";
import { createLatchkeyPlugin, type SessionValue, useSession } from "@latchkey/vue";
import { installAuthGuard } from "@latchkey/vue/router";
import { type App, createApp, createSSRApp, defineComponent, h } from "vue";
import { renderToString } from "vue/server-renderer";
import { createMemoryHistory, createRouter, type Router } from "vue-router";
import { createFakeBrowser } from "../client/fake-browser.js";
import { ALICE, waitForState, withApp } from "../client/fixtures.js";

// Vue runs here without a DOM: composables inside app.runWithContext(), pages through the
// server renderer, the router on its memory history. Mounting in a real DOM is covered by the
// browser suite (examples/vue-spa in Chromium).

const Gate = defineComponent({
  setup() {
    const { status, user } = useSession();
    return () =>
      status.value === "loading"
        ? h("i", "checking")
        : status.value === "authenticated"
          ? h("main", `the secret page of ${user.value?.username ?? "?"}`)
          : h("b", "please log in");
  },
});

function offlineClient(): LatchkeyClient {
  return createClient({
    baseUrl: "http://127.0.0.1:9",
    fetch: () => Promise.reject(new Error("no network in this test")),
    broadcast: false,
  });
}

function sessionOf(app: App): SessionValue {
  return app.runWithContext(() => useSession());
}

/** What the refs hold now (a fresh read each call, so TypeScript's narrowing does not carry over). */
function now(session: SessionValue): { status: string; username: string | null } {
  return { status: session.status.value, username: session.user.value?.username ?? null };
}

const Blank = defineComponent({ render: () => null });

function appRouter(): Router {
  return createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: "/", component: Blank },
      { path: "/login", component: Blank, meta: { guestOnly: true } },
      { path: "/account", component: Blank, meta: { requiresAuth: true } },
    ],
  });
}

describe("@latchkey/vue", () => {
  it("renders only the loading view before the first check answers: no flash of either screen", async () => {
    const app = createSSRApp(Gate).use(createLatchkeyPlugin(offlineClient(), { check: false }));
    const html = await renderToString(app);
    assert.equal(html, "<i>checking</i>");
  });

  it("starts the first check on install and updates useSession()'s refs on login and logout", async () => {
    await withApp(async (app) => {
      const browser = createFakeBrowser({ pageOrigin: app.baseUrl });
      const client = createClient({
        baseUrl: app.baseUrl,
        fetch: browser.fetch,
        cookies: browser.cookies,
        broadcast: false,
      });
      const vueApp = createApp(Gate).use(createLatchkeyPlugin(client));
      const session = sessionOf(vueApp);
      assert.deepEqual(now(session), { status: "loading", username: null });
      await waitForState(client, (state) => state.status !== "loading");
      assert.deepEqual(now(session), { status: "anonymous", username: null });

      assert.ok((await session.login(ALICE.username, ALICE.password)).ok);
      assert.deepEqual(now(session), { status: "authenticated", username: "alice" });
      assert.equal(
        await renderToString(createSSRApp(Gate).use(createLatchkeyPlugin(client))),
        "<main>the secret page of alice</main>",
      );

      assert.ok((await session.logout()).ok);
      assert.deepEqual(now(session), { status: "anonymous", username: null });
      assert.equal(await renderToString(createSSRApp(Gate).use(createLatchkeyPlugin(client))), "<b>please log in</b>");
    });
  });

  it("follows a logout in another tab through the client", async () => {
    await withApp(async (app) => {
      const browser = createFakeBrowser({ pageOrigin: app.baseUrl });
      const options = { baseUrl: app.baseUrl, fetch: browser.fetch, cookies: browser.cookies };
      const tabA = createClient(options);
      const tabB = createClient(options);
      try {
        const sessionB = sessionOf(createApp(Gate).use(createLatchkeyPlugin(tabB)));
        assert.ok((await tabA.login(ALICE.username, ALICE.password)).ok);
        await waitForState(tabB, (state) => state.status === "authenticated");
        assert.deepEqual(now(sessionB), { status: "authenticated", username: "alice" });
        const tabBSeesLogout = waitForState(tabB, (state) => state.status === "anonymous");
        assert.ok((await tabA.logout()).ok);
        await tabBSeesLogout;
        assert.deepEqual(now(sessionB), { status: "anonymous", username: null });
      } finally {
        tabA.close();
        tabB.close();
      }
    });
  });

  it("refuses useSession() outside an app that installed the plugin, with a clear message", () => {
    assert.throws(() => useSession(), /app\.use\(createLatchkeyPlugin\(client\)\)/);
    assert.throws(
      () => createApp(Gate).runWithContext(() => useSession()),
      /app\.use\(createLatchkeyPlugin\(client\)\)/,
    );
  });
});

describe("@latchkey/vue/router", () => {
  it("holds a navigation to a protected route until the first check answers, then sends a visitor to the login route with the wanted path", async () => {
    await withApp(async (app) => {
      const browser = createFakeBrowser({ pageOrigin: app.baseUrl });
      const client = createClient({
        baseUrl: app.baseUrl,
        fetch: browser.fetch,
        cookies: browser.cookies,
        broadcast: false,
      });
      const router = appRouter();
      installAuthGuard(router, client, { loginRoute: "/login" });
      assert.equal(client.getState().status, "loading");
      await router.push("/account?tab=devices");
      assert.notEqual(client.getState().status, "loading");
      assert.equal(router.currentRoute.value.path, "/login");
      assert.equal(router.currentRoute.value.query.redirect, "/account?tab=devices");
    });
  });

  it("moves the login page on to the wanted path after a login, and a protected page to the login route after a logout", async () => {
    await withApp(async (app) => {
      const browser = createFakeBrowser({ pageOrigin: app.baseUrl });
      const client = createClient({
        baseUrl: app.baseUrl,
        fetch: browser.fetch,
        cookies: browser.cookies,
        broadcast: false,
      });
      const router = appRouter();
      installAuthGuard(router, client, { loginRoute: "/login" });
      await router.push("/account");
      assert.equal(router.currentRoute.value.fullPath, "/login?redirect=/account");

      const arrived = new Promise<void>((resolve) =>
        router.afterEach((to) => (to.path === "/account" ? resolve() : undefined)),
      );
      assert.ok((await client.login(ALICE.username, ALICE.password)).ok);
      await arrived;
      assert.equal(router.currentRoute.value.path, "/account");

      const left = new Promise<void>((resolve) =>
        router.afterEach((to) => (to.path === "/login" ? resolve() : undefined)),
      );
      assert.ok((await client.logout()).ok);
      await left;
      assert.equal(router.currentRoute.value.fullPath, "/login?redirect=/account");
    });
  });

  it("sends a logged-in user away from a guest-only route, never to another site named in the redirect parameter (open redirect)", async () => {
    await withApp(async (app) => {
      const browser = createFakeBrowser({ pageOrigin: app.baseUrl });
      const client = createClient({
        baseUrl: app.baseUrl,
        fetch: browser.fetch,
        cookies: browser.cookies,
        broadcast: false,
      });
      assert.ok((await client.login(ALICE.username, ALICE.password)).ok);
      const router = appRouter();
      installAuthGuard(router, client, { loginRoute: "/login", homeRoute: "/" });
      for (const crafted of ["//evil.example/login", "https://evil.example/", "/\\evil.example"]) {
        await router.push({ path: "/login", query: { redirect: crafted } });
        assert.equal(router.currentRoute.value.fullPath, "/", `redirect=${crafted} goes home`);
      }
      await router.push({ path: "/login", query: { redirect: "/account" } });
      assert.equal(router.currentRoute.value.fullPath, "/account");
    });
  });
});
