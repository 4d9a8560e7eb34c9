import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createClient, type LatchkeyClient } from "@latchkey/client";
import { AuthProvider, RequireAuth, useSession } from "@latchkey/react";
import { createElement, type ReactElement } from "react";
import { renderToString } from "react-dom/server";
import { createFakeBrowser } from "../client/fake-browser.js";
import { ALICE, withApp } from "../client/fixtures.js";

// Rendering runs on the server renderer: effects (AuthProvider's refresh on mount) do not run
// there, so each test drives the client itself. Mounting in a real DOM is covered by the
// browser suite.

function Greeting(): ReactElement {
  const { status, user } = useSession();
  return createElement("p", { "data-status": status }, user === null ? "nobody" : `hello ${user.username}`);
}

function page(client: LatchkeyClient): string {
  return renderToString(
    createElement(
      AuthProvider,
      { client },
      createElement(
        RequireAuth,
        { loading: createElement("i", null, "checking"), fallback: createElement("b", null, "please log in") },
        createElement("main", null, "the secret page"),
      ),
      createElement(Greeting),
    ),
  );
}

describe("@latchkey/react", () => {
  it("renders only the loading element before the first check answers: no flash of either screen", () => {
    const client = createClient({
      baseUrl: "http://127.0.0.1:9",
      fetch: () => Promise.reject(new Error("no network in this test")),
      broadcast: false,
    });
    const html = page(client);
    assert.match(html, /checking/);
    assert.doesNotMatch(html, /please log in/);
    assert.doesNotMatch(html, /the secret page/);
    assert.match(html, /data-status="loading"/);
  });

  it("renders nothing while loading when no loading element is given", () => {
    const client = createClient({
      baseUrl: "http://127.0.0.1:9",
      fetch: () => Promise.reject(new Error("no network in this test")),
      broadcast: false,
    });
    const html = renderToString(
      createElement(AuthProvider, { client }, createElement(RequireAuth, { fallback: "login" }, "secret")),
    );
    assert.equal(html, "");
  });

  it("renders the fallback for an anonymous visitor and the children after login", async () => {
    await withApp(async (app) => {
      const browser = createFakeBrowser({ pageOrigin: app.baseUrl });
      const client = createClient({
        baseUrl: app.baseUrl,
        fetch: browser.fetch,
        cookies: browser.cookies,
        broadcast: false,
      });
      await client.refresh();
      const anonymous = page(client);
      assert.match(anonymous, /please log in/);
      assert.doesNotMatch(anonymous, /the secret page|checking/);
      assert.match(anonymous, /nobody/);

      assert.ok((await client.login(ALICE.username, ALICE.password)).ok);
      const loggedIn = page(client);
      assert.match(loggedIn, /the secret page/);
      assert.doesNotMatch(loggedIn, /please log in/);
      assert.match(loggedIn, /hello alice/);
      assert.match(loggedIn, /data-status="authenticated"/);
    });
  });

  it("refuses useSession() outside an AuthProvider with a clear message", () => {
    assert.throws(() => renderToString(createElement(Greeting)), /inside <AuthProvider/);
  });
});
