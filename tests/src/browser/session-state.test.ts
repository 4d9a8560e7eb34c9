// The browser side of session state (@latchkey/client + @latchkey/react in the example SPA),
// in real Chromium: no flash of the login form while the first session check runs, logout
// in one tab reaching every other tab (BroadcastChannel), and a 401 from any call moving the
// UI to logged out.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { LATCHKEY_BIN, REPO_ROOT } from "../server/latchkey-process.js";
import { browserTestSkip, launchChromium, newTestContext } from "./harness/browser.js";
import { runToEnd, startChild } from "./harness/child-process.js";
import { createFixture, type Fixture } from "./harness/fixture.js";
import { createUser, startLatchkeyApi, USER } from "./harness/latchkey-api.js";
import { buildSpa } from "./harness/spa.js";

const UI_TIMEOUT_MS = 30_000;

async function logInThroughTheForm(page: Page): Promise<void> {
  await page.getByTestId("login-username").fill(USER.username);
  await page.getByTestId("login-password").fill(USER.password);
  await page.getByTestId("login-submit").click();
  await page.getByTestId("whoami-username").waitFor({ state: "visible", timeout: UI_TIMEOUT_MS });
}

async function openLoggedIn(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(url);
  await page.getByTestId("whoami-username").waitFor({ state: "visible", timeout: UI_TIMEOUT_MS });
  return page;
}

/** The example SPA built once, and the ready server serving it (mode A). */
async function startModeA(fixture: Fixture, spaDir: string): Promise<string> {
  const api = await startLatchkeyApi({ dataDir: fixture.folder("data"), spaDir });
  fixture.defer(() => api.stop());
  return `http://localhost:${api.port}/`;
}

describe("session state in the browser (@latchkey/client and @latchkey/react)", { skip: browserTestSkip("chromium") }, () => {
  // Assigned in before(); after() copes with a launch that failed.
  let browser: Browser;
  let spaDir: string;
  const build = createFixture("session-state-build");
  before(async () => {
    browser = await launchChromium();
    spaDir = await buildSpa(build.folder("spa"));
  });
  after(async () => {
    await browser?.close();
    await build.cleanup();
  });

  it("shows no logged-out content while the first session check runs: the loading state, then the user", async () => {
    const fixture = createFixture("no-flash");
    try {
      const appUrl = await startModeA(fixture, spaDir);
      const context = await newTestContext(browser);
      fixture.defer(() => context.close());
      const first = await context.newPage();
      await first.goto(appUrl);
      await first.getByTestId("login-username").waitFor({ state: "visible", timeout: UI_TIMEOUT_MS });
      await logInThroughTheForm(first);
      await first.close();

      // A second visit, with the session check held back so the loading state lasts; a
      // MutationObserver installed before any script records what the page ever rendered.
      const page = await context.newPage();
      await page.addInitScript({
        content: `
          window.__seen = { loginForm: false, loading: false };
          new MutationObserver(() => {
            if (document.querySelector('[data-testid="login-username"]') !== null) window.__seen.loginForm = true;
            if (document.querySelector('[data-testid="session-loading"]') !== null) window.__seen.loading = true;
          }).observe(document, { childList: true, subtree: true });`,
      });
      let release: () => void = () => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      await page.route("**/api/session/**", async (route) => {
        await held;
        await route.continue();
      });
      await page.goto(appUrl);
      await page.getByTestId("session-loading").waitFor({ state: "visible", timeout: UI_TIMEOUT_MS });
      release();
      await page.getByTestId("whoami-username").waitFor({ state: "visible", timeout: UI_TIMEOUT_MS });
      const seen: unknown = await page.evaluate("window.__seen");
      assert.deepEqual(seen, { loginForm: false, loading: true }, "the login form never appeared for a logged-in user; the loading state did");
    } finally {
      await fixture.cleanup();
    }
  });

  it("logging out in one tab logs out every other tab, without a reload", async () => {
    const fixture = createFixture("two-tabs");
    try {
      const appUrl = await startModeA(fixture, spaDir);
      const context = await newTestContext(browser);
      fixture.defer(() => context.close());
      const login = await context.newPage();
      await login.goto(appUrl);
      await login.getByTestId("login-username").waitFor({ state: "visible", timeout: UI_TIMEOUT_MS });
      await logInThroughTheForm(login);
      const other = await openLoggedIn(context, appUrl);

      await login.getByTestId("logout").click();
      await login.getByTestId("login-username").waitFor({ state: "visible", timeout: UI_TIMEOUT_MS });
      await other.getByTestId("login-username").waitFor({ state: "visible", timeout: UI_TIMEOUT_MS });
      assert.equal((await other.getByTestId("session-status").innerText()).trim(), "anonymous");
    } finally {
      await fixture.cleanup();
    }
  });

  it("moves the UI to logged out when an app call answers 401 (the session was revoked on the server)", async () => {
    const fixture = createFixture("revoked");
    try {
      // The Express example (mode A'), whose GET /api/hello/ is behind requireUser().
      const databaseFile = join(fixture.folder("data"), "latchkey.sqlite3");
      const server = startChild(process.execPath, [join(REPO_ROOT, "examples", "adapters", "dist", "express-spa-server.js")], {
        cwd: fixture.dir,
        env: { PORT: "0", DATABASE_PATH: databaseFile, SPA_DIR: spaDir },
      });
      fixture.defer(() => server.stop());
      const listening = await server.waitForLine("the example's `listening on` line", (line) => /listening on http:\/\/127\.0\.0\.1:\d+/.test(line.text));
      const port = /:(\d+)/.exec(listening.text.slice(listening.text.indexOf("http")))?.[1] ?? "";
      await createUser(fixture.folder("cli"), databaseFile);
      const context = await newTestContext(browser);
      fixture.defer(() => context.close());
      const page = await context.newPage();
      await page.goto(`http://localhost:${port}/`);
      await page.getByTestId("login-username").waitFor({ state: "visible", timeout: UI_TIMEOUT_MS });
      await logInThroughTheForm(page);

      // An administrator ends every session of the user from the command line.
      const revoked = await runToEnd(process.execPath, [LATCHKEY_BIN, "sessions", "revoke", "--user", USER.username], {
        cwd: fixture.folder("cli"),
        env: { LATCHKEY_DATA_DIR: fixture.folder("cli"), LATCHKEY_DATABASE: databaseFile },
      });
      assert.equal(revoked.code, 0, revoked.output);

      await page.getByTestId("hello-call").click();
      await page.getByTestId("login-username").waitFor({ state: "visible", timeout: UI_TIMEOUT_MS });
      assert.equal((await page.getByTestId("session-status").innerText()).trim(), "anonymous");
    } finally {
      await fixture.cleanup();
    }
  });
});
