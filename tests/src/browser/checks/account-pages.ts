// The account pages of the example SPA (SPEC §2a, issue 9 item 5) in a real browser, in mode A
// (`latchkey serve --spa`) and mode B (the static build and the API behind one nginx over
// HTTPS, production mode), with mail going to a real SMTP server on loopback: the test opens
// the very link that arrived in the mail, as the user would.
import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { DEFAULTS } from "@latchkey/core";
import { startSmtpSink, type SmtpSink } from "@latchkey/testkit";
import type { BrowserPage, BrowserSession } from "../harness/engines/engine.js";
import { artifactName, type EngineChecks, type EngineRun } from "../harness/engines/index.js";
import { createFixture, type Fixture } from "../harness/fixture.js";
import { screenshot } from "../harness/flow.js";
import { NGINX_TEMPLATES, startHttpsNginx } from "../harness/https-site.js";
import { startLatchkeyApi, USER, type LatchkeyApi } from "../harness/latchkey-api.js";
import { freePort } from "../harness/ports.js";
import { buildSpa } from "../harness/spa.js";

const UI_TIMEOUT_MS = 30_000;
/** The outbox's sender polls every second; a loaded machine may take longer to hash and send. */
const MAIL_TIMEOUT_MS = 30_000;

/** The two deployments these checks run in. */
type Mode = "a" | "b";

/**
 * The ready server mailing through `sink`, serving the example itself (mode A: development
 * mode, so emailed links are built from the page's own origin, localhost) or behind nginx
 * (mode B: production mode, links built from `publicOrigin`, as production requires).
 */
async function startServer(
  mode: Mode,
  fixture: Fixture,
  spaDir: string,
  sink: SmtpSink,
  env: Readonly<Record<string, string>>,
  controlledClock: boolean,
): Promise<{ api: LatchkeyApi; origin: string }> {
  const mail = { LATCHKEY_MAIL_URL: sink.url, LATCHKEY_MAIL_FROM: "Example <no-reply@example.com>", ...env };
  if (mode === "a") {
    const api = await startLatchkeyApi({ dataDir: fixture.folder("data"), spaDir, env: mail, controlledClock });
    fixture.defer(() => api.stop());
    return { api, origin: `http://localhost:${api.port}` };
  }
  // The origin contains nginx's port, and the server needs it first (publicOrigin).
  const port = await freePort();
  const origin = `https://app.example.test:${port}`;
  const api = await startLatchkeyApi({
    dataDir: fixture.folder("data"),
    env: { LATCHKEY_MODE: "production", LATCHKEY_DEPLOYMENT: "reverse-proxy", LATCHKEY_PUBLIC_ORIGIN: origin, ...mail },
    controlledClock,
  });
  fixture.defer(() => api.stop());
  await startHttpsNginx(
    fixture,
    NGINX_TEMPLATES.sameOrigin,
    { SERVER_NAME: "app.example.test", SPA_ROOT: spaDir, LATCHKEY_UPSTREAM: `127.0.0.1:${api.port}` },
    port,
  );
  return { api, origin };
}

async function logIn(page: BrowserPage, username: string, password: string): Promise<void> {
  await page.waitForTestId("login-username", UI_TIMEOUT_MS);
  await page.fill("login-username", username);
  await page.fill("login-password", password);
  await page.click("login-submit");
}

async function openLoggedIn(session: BrowserSession, url: string): Promise<BrowserPage> {
  const page = await session.newPage();
  await page.goto(url);
  await logIn(page, USER.username, USER.password);
  await page.waitForTestId("whoami-username", UI_TIMEOUT_MS);
  return page;
}

async function expectLoggedOut(page: BrowserPage): Promise<void> {
  await page.waitForTestId("login-username", UI_TIMEOUT_MS);
  assert.equal(await page.textOf("session-status", UI_TIMEOUT_MS), "anonymous");
}

/** Runs `body` with a failure screenshot of `pages` and the server's last log lines on error. */
async function explained(
  run: EngineRun,
  name: string,
  api: () => LatchkeyApi | undefined,
  pages: () => BrowserPage[],
  body: () => Promise<void>,
): Promise<void> {
  try {
    await body();
  } catch (error) {
    let n = 0;
    for (const page of pages())
      await screenshot(page, artifactName(run.engine.name, `${name}-failed-${++n}`)).catch(() => undefined);
    const log =
      api()
        ?.logs()
        .slice(-15)
        .map((line) => line.text)
        .join("\n") ?? "";
    throw new Error(
      `${name}: ${error instanceof Error ? error.message : String(error)}\nserver log (last 15 lines):\n${log}`,
      { cause: error },
    );
  }
}

/**
 * What a test of the account pages gets: its fixture, the SMTP sink, the SPA's origin, and its pages (screenshotted on
 * failure).
 */
interface AccountServer {
  fixture: Fixture;
  sink: SmtpSink;
  origin: string;
  pages: BrowserPage[];
  /** The ready server, e.g. to move its clock (`controlledClock`). */
  api: LatchkeyApi;
}

/**
 * Runs `body` against a fresh ready server mailing into a fresh SMTP sink (`startServer`),
 * explained on failure (screenshots of `pages`, the server's last log lines), and cleans up.
 */
async function withAccountServer(
  run: EngineRun,
  mode: Mode,
  spaDir: string,
  name: string,
  env: Readonly<Record<string, string>>,
  body: (server: AccountServer) => Promise<void>,
  options: { controlledClock?: boolean } = {},
): Promise<void> {
  const fixture = createFixture(`${name}-${mode}`);
  const pages: BrowserPage[] = [];
  let api: LatchkeyApi | undefined;
  try {
    const sink = await startSmtpSink();
    fixture.defer(() => sink.close());
    const started = await startServer(mode, fixture, spaDir, sink, env, options.controlledClock === true);
    api = started.api;
    await explained(
      run,
      `${name}-${mode}`,
      () => api,
      () => pages,
      () => body({ fixture, sink, origin: started.origin, pages, api: started.api }),
    );
  } finally {
    await fixture.cleanup();
  }
}

function defineChecks(mode: Mode, run: EngineRun): void {
  const shot = (name: string): string => artifactName(run.engine.name, mode === "a" ? name : `${name}-b`);
  let spaDir: string;
  let build: Fixture | undefined;
  before(async () => {
    build = createFixture(`account-pages-build-${mode}-${run.engine.name}`);
    spaDir = await buildSpa(build.folder("spa"));
  });
  after(async () => {
    await build?.cleanup();
  });

  it("signs up, opens the link from the mail, is verified, and then logs in (mandatory verification refuses the login before)", async () => {
    await withAccountServer(
      run,
      mode,
      spaDir,
      "account-signup",
      { LATCHKEY_SIGNUP_ENABLED: "true" },
      async ({ fixture, sink, origin, pages }) => {
        const session = await run.session(fixture);
        const page = await session.newPage();
        pages.push(page);
        const bob = { username: "bob", email: "bob@example.com", password: "bob's long browser passphrase 7" };
        await page.goto(`${origin}/`);
        await page.waitForTestId("login-username", UI_TIMEOUT_MS);
        await page.click("nav-signup");
        await page.fill("signup-username", bob.username);
        await page.fill("signup-email", bob.email);
        await page.fill("signup-password", bob.password);
        await page.click("signup-submit");
        assert.equal(await page.textOf("check-email-address", UI_TIMEOUT_MS), bob.email);
        await screenshot(page, shot("account-check-email"));

        // Not verified yet: the login form shows the server's refusal.
        await page.click("nav-home");
        await logIn(page, bob.username, bob.password);
        assert.match(await page.textOf("login-error", UI_TIMEOUT_MS), /^Verify your email address first/);
        assert.equal(await page.textOf("session-status", UI_TIMEOUT_MS), "anonymous");

        const mail = await sink.waitForMail(bob.email, {
          timeoutMs: MAIL_TIMEOUT_MS,
          predicate: (m) => m.link?.includes("/verify-email?key=") === true,
        });
        assert.ok(
          mail.link !== null && mail.link.startsWith(`${origin}/verify-email?key=`),
          `the link points at the SPA's verify page: ${String(mail.link)}`,
        );
        await page.goto(mail.link);
        assert.equal(await page.textOf("verify-email", UI_TIMEOUT_MS), bob.email);
        await screenshot(page, shot("account-verified"));

        await page.click("verify-login-link");
        await logIn(page, bob.username, bob.password);
        assert.equal(await page.textOf("whoami-username", UI_TIMEOUT_MS), bob.username);
        assert.equal(await page.textOf("whoami-email", UI_TIMEOUT_MS), bob.email);
        assert.equal(await page.textOf("session-status", UI_TIMEOUT_MS), "authenticated");

        // The link is single-use: opening it again says so.
        await page.goto(mail.link);
        await page.waitForTestId("verify-error", UI_TIMEOUT_MS);
        if (page.diagnostics.pageErrors !== null)
          assert.deepEqual(page.diagnostics.pageErrors, [], "the SPA threw no uncaught errors");
      },
    );
  });

  it("forgot password: the mailed link sets a new password, and another browser that was logged in is logged out", async () => {
    // Sign-up stays off: password reset needs only mail.
    await withAccountServer(run, mode, spaDir, "account-reset", {}, async ({ fixture, sink, origin, pages }) => {
      const other = await openLoggedIn(await run.session(fixture), `${origin}/`);
      pages.push(other);
      const page = await (await run.session(fixture)).newPage();
      pages.push(page);
      const newPassword = "a brand new browser passphrase 3";
      await page.goto(`${origin}/`);
      await page.click("nav-forgot");
      await page.fill("forgot-email", USER.email);
      await page.click("forgot-submit");
      await page.waitForTestId("reset-requested", UI_TIMEOUT_MS);

      const mail = await sink.waitForMail(USER.email, {
        timeoutMs: MAIL_TIMEOUT_MS,
        predicate: (m) => m.link?.includes("/reset-password?key=") === true,
      });
      assert.ok(
        mail.link !== null && mail.link.startsWith(`${origin}/reset-password?key=`),
        `the link points at the SPA's reset page: ${String(mail.link)}`,
      );
      await page.goto(mail.link);
      await page.fill("reset-password", newPassword);
      await page.click("reset-submit");
      await page.waitForTestId("reset-done", UI_TIMEOUT_MS);
      await screenshot(page, shot("account-reset-done"));

      // The other browser's session ended on the server: its next page load is logged out.
      await other.reload();
      await expectLoggedOut(other);
      await screenshot(other, shot("account-reset-other-logged-out"));

      await page.click("reset-login-link");
      await logIn(page, USER.username, USER.password);
      await page.waitForTestId("login-error", UI_TIMEOUT_MS);
      await page.reload();
      await logIn(page, USER.username, newPassword);
      assert.equal(await page.textOf("whoami-username", UI_TIMEOUT_MS), USER.username);

      // The link worked once.
      await page.goto(mail.link);
      await page.fill("reset-password", "yet another browser passphrase 9");
      await page.click("reset-submit");
      assert.match(await page.textOf("reset-error", UI_TIMEOUT_MS), /invalid, already used or expired/);
    });
  });

  it("devices: one browser lists both sessions and logs the other one out, whose UI then moves to logged out", async () => {
    await withAccountServer(run, mode, spaDir, "account-devices", {}, async ({ fixture, origin, pages }) => {
      const other = await openLoggedIn(await run.session(fixture), `${origin}/`);
      pages.push(other);
      const page = await openLoggedIn(await run.session(fixture), `${origin}/`);
      pages.push(page);
      // The other browser sits on its devices page, already showing both sessions.
      await other.click("nav-devices");
      await other.waitForTrue(
        `document.querySelector('[data-testid="devices-list"]')?.dataset.count === "2"`,
        UI_TIMEOUT_MS,
      );

      await page.click("nav-devices");
      await page.waitForTrue(
        `document.querySelector('[data-testid="devices-list"]')?.dataset.count === "2"`,
        UI_TIMEOUT_MS,
      );
      await page.waitForTestId("device-current", UI_TIMEOUT_MS);
      await screenshot(page, shot("account-devices"));
      await page.click("device-revoke");
      await page.waitForTrue(
        `document.querySelector('[data-testid="devices-list"]')?.dataset.count === "1"`,
        UI_TIMEOUT_MS,
      );
      assert.equal(
        await page.evaluate(`document.querySelector('[data-testid="device-other"]') === null`),
        true,
        "only this device is left",
      );
      assert.equal(await page.textOf("session-status", UI_TIMEOUT_MS), "authenticated");

      // The other browser's next call answers 401 and its UI moves to logged out, without a reload.
      await other.click("devices-reload");
      await expectLoggedOut(other);
      await screenshot(other, shot("account-devices-other-logged-out"));
      await other.reload();
      await expectLoggedOut(other);
    });
  });

  it("account: a stale session is asked for the password before the email changes, the mailed link sets the new address, and deleting the account logs out for good", async () => {
    // Freshness is about time: the server runs with a clock the test moves past the (default)
    // re-authentication window, so the session is surely stale without waiting for it.
    const windowSeconds = DEFAULTS.accounts.reauthenticationWindowSeconds;
    await withAccountServer(
      run,
      mode,
      spaDir,
      "account-settings",
      {},
      async ({ fixture, sink, origin, pages, api }) => {
        const page = await openLoggedIn(await run.session(fixture), `${origin}/`);
        pages.push(page);
        const makeStale = (): Promise<void> => api.advanceClock(windowSeconds + 1);
        const newEmail = "alice.new@example.com";
        await page.click("nav-account");
        assert.equal(await page.textOf("account-email", UI_TIMEOUT_MS), USER.email);
        await makeStale();
        await page.fill("change-email", newEmail);
        await page.click("change-email-submit");
        await page.waitForTestId("reauth-form", UI_TIMEOUT_MS);
        await screenshot(page, shot("account-reauthenticate"));
        await page.fill("reauth-password", "not the password at all");
        await page.click("reauth-submit");
        assert.equal(await page.textOf("account-error", UI_TIMEOUT_MS), "Wrong password.");
        await page.fill("reauth-password", USER.password);
        await page.click("reauth-submit");
        await page.waitForTestId("account-note", UI_TIMEOUT_MS);
        assert.equal(
          await page.evaluate(`document.querySelector('[data-testid="reauth-form"]') === null`),
          true,
          "the prompt is gone once the change went through",
        );

        const mail = await sink.waitForMail(newEmail, {
          timeoutMs: MAIL_TIMEOUT_MS,
          predicate: (m) => m.link?.includes("/verify-email?key=") === true,
        });
        await page.goto(mail.link ?? "");
        assert.equal(await page.textOf("verify-email", UI_TIMEOUT_MS), newEmail);
        await page.goto(`${origin}/account`);
        assert.equal(await page.textOf("account-email", UI_TIMEOUT_MS), newEmail);

        await makeStale();
        await page.click("delete-account");
        await page.click("delete-account-confirm");
        await page.waitForTestId("reauth-form", UI_TIMEOUT_MS);
        await page.fill("reauth-password", USER.password);
        await page.click("reauth-submit");
        await expectLoggedOut(page);
        await screenshot(page, shot("account-deleted"));
        await page.reload();
        await logIn(page, USER.username, USER.password);
        assert.equal(await page.textOf("login-error", UI_TIMEOUT_MS), "Wrong username or password.");
      },
      { controlledClock: true },
    );
  });
}

/** account-pages: mode A, run by browser/chromium/account-pages.test.ts. */
export const ACCOUNT_PAGES: EngineChecks = {
  title: "the example SPA's account pages over real SMTP (mode A: latchkey serve --spa)",
  define: (run) => defineChecks("a", run),
};

/** account-pages-b: mode B, run by browser/chromium/account-pages-b.test.ts. */
export const ACCOUNT_PAGES_B: EngineChecks = {
  title: "the example SPA's account pages over real SMTP (mode B: nginx, HTTPS, production mode)",
  programs: ["nginx", "openssl"],
  define: (run) => defineChecks("b", run),
};
