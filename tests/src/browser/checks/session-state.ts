// The browser side of session state (@latchkey/client + @latchkey/react in the example SPA),
// in every engine: no flash of the login form while the first session check runs, logout
// in one tab reaching every other tab (BroadcastChannel), and a 401 from any call moving the
// UI to logged out.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, it } from "node:test";
import { LATCHKEY_BIN, REPO_ROOT } from "../../server/latchkey-process.js";
import { runToEnd, startChild } from "../harness/child-process.js";
import type { BrowserPage, BrowserSession } from "../harness/engines/engine.js";
import type { EngineChecks } from "../harness/engines/index.js";
import { createFixture, type Fixture } from "../harness/fixture.js";
import { createUser, startLatchkeyApi, USER, type LatchkeyApi } from "../harness/latchkey-api.js";
import { startHoldingProxy } from "../harness/session-hold.js";
import { buildSpa } from "../harness/spa.js";

const UI_TIMEOUT_MS = 30_000;

async function logInThroughTheForm(page: BrowserPage): Promise<void> {
  await page.fill("login-username", USER.username);
  await page.fill("login-password", USER.password);
  await page.click("login-submit");
  await page.waitForTestId("whoami-username", UI_TIMEOUT_MS);
}

async function openLoggedIn(session: BrowserSession, url: string): Promise<BrowserPage> {
  const page = await session.newPage();
  await page.goto(url);
  await page.waitForTestId("whoami-username", UI_TIMEOUT_MS);
  return page;
}

/** The ready server serving the example SPA built once (mode A). */
async function startModeA(fixture: Fixture, spaDir: string): Promise<LatchkeyApi> {
  const api = await startLatchkeyApi({ dataDir: fixture.folder("data"), spaDir });
  fixture.defer(() => api.stop());
  return api;
}

/**
 * Runs first in every page the holding proxy serves, before any script of the page: records
 * whether the login form or the loading state was ever rendered.
 */
const RECORD_WHAT_RENDERS = `
  window.__seen = { loginForm: false, loading: false };
  new MutationObserver(() => {
    if (document.querySelector('[data-testid="login-username"]') !== null) window.__seen.loginForm = true;
    if (document.querySelector('[data-testid="session-loading"]') !== null) window.__seen.loading = true;
  }).observe(document, { childList: true, subtree: true });`;

/**
 * session-state: the shared description of these checks, run in each engine by browser/<engine>/session-state.test.ts.
 */
export const SESSION_STATE: EngineChecks = {
  title: "session state in the browser (@latchkey/client and @latchkey/react)",
  define(run) {
    // Assigned in before(); after() copes with a build that failed.
    let spaDir: string;
    let build: Fixture | undefined;
    before(async () => {
      build = createFixture(`session-state-build-${run.engine.name}`);
      spaDir = await buildSpa(build.folder("spa"));
    });
    after(async () => {
      await build?.cleanup();
    });

    it("shows no logged-out content while the first session check runs: the loading state, then the user", async () => {
      const fixture = createFixture("no-flash");
      try {
        const api = await startModeA(fixture, spaDir);
        // Between the browser and the server: a proxy that can hold the session check back
        // (so the loading state lasts) and that puts the recorder above first in every page.
        const proxy = await startHoldingProxy(api.port, RECORD_WHAT_RENDERS);
        fixture.defer(() => proxy.close());
        const session = await run.session(fixture);
        const first = await session.newPage();
        await first.goto(proxy.url);
        await first.waitForTestId("login-username", UI_TIMEOUT_MS);
        await logInThroughTheForm(first);
        await first.close();

        // A second visit, with the session check held back.
        proxy.holdSessionChecks();
        const page = await session.newPage();
        await page.goto(proxy.url);
        await page.waitForTestId("session-loading", UI_TIMEOUT_MS);
        proxy.release();
        await page.waitForTestId("whoami-username", UI_TIMEOUT_MS);
        const seen: unknown = await page.evaluate("window.__seen");
        assert.deepEqual(
          seen,
          { loginForm: false, loading: true },
          "the login form never appeared for a logged-in user; the loading state did",
        );
      } finally {
        await fixture.cleanup();
      }
    });

    it("logging out in one tab logs out every other tab, without a reload", async () => {
      const fixture = createFixture("two-tabs");
      try {
        const api = await startModeA(fixture, spaDir);
        const appUrl = `http://localhost:${api.port}/`;
        const session = await run.session(fixture);
        const login = await session.newPage();
        await login.goto(appUrl);
        await login.waitForTestId("login-username", UI_TIMEOUT_MS);
        await logInThroughTheForm(login);
        const other = await openLoggedIn(session, appUrl);

        await login.click("logout");
        await login.waitForTestId("login-username", UI_TIMEOUT_MS);
        await other.waitForTestId("login-username", UI_TIMEOUT_MS);
        assert.equal(await other.textOf("session-status", UI_TIMEOUT_MS), "anonymous");
      } finally {
        await fixture.cleanup();
      }
    });

    it("moves the UI to logged out when an app call answers 401 (the session was revoked on the server)", async () => {
      const fixture = createFixture("revoked");
      try {
        // The Express example (mode A'), whose GET /api/hello/ is behind requireUser().
        const databaseFile = join(fixture.folder("data"), "latchkey.sqlite3");
        const server = startChild(
          process.execPath,
          [join(REPO_ROOT, "examples", "adapters", "dist", "express-spa-server.js")],
          {
            cwd: fixture.dir,
            env: { PORT: "0", DATABASE_PATH: databaseFile, SPA_DIR: spaDir },
          },
        );
        fixture.defer(() => server.stop());
        const listening = await server.waitForLine("the example's `listening on` line", (line) =>
          /listening on http:\/\/127\.0\.0\.1:\d+/.test(line.text),
        );
        const port = /:(\d+)/.exec(listening.text.slice(listening.text.indexOf("http")))?.[1] ?? "";
        await createUser(fixture.folder("cli"), databaseFile);
        const session = await run.session(fixture);
        const page = await session.newPage();
        await page.goto(`http://localhost:${port}/`);
        await page.waitForTestId("login-username", UI_TIMEOUT_MS);
        await logInThroughTheForm(page);

        // An administrator ends every session of the user from the command line.
        const revoked = await runToEnd(
          process.execPath,
          [LATCHKEY_BIN, "sessions", "revoke", "--user", USER.username],
          {
            cwd: fixture.folder("cli"),
            env: { LATCHKEY_DATA_DIR: fixture.folder("cli"), LATCHKEY_DATABASE: databaseFile },
          },
        );
        assert.equal(revoked.code, 0, revoked.output);

        await page.click("hello-call");
        await page.waitForTestId("login-username", UI_TIMEOUT_MS);
        assert.equal(await page.textOf("session-status", UI_TIMEOUT_MS), "anonymous");
      } finally {
        await fixture.cleanup();
      }
    });
  },
};
