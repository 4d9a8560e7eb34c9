// Passkeys in a real browser (issue 12 item 7): Chromium's virtual authenticator (DevTools
// protocol WebAuthn.enable + WebAuthn.addVirtualAuthenticator: CTAP2, internal, resident keys,
// user verification) registers a passkey through the example SPA, which is served by
// `latchkey serve --spa` on http://localhost (a secure context, as WebAuthn requires); the
// user logs out, logs in without a password, then with the password and the passkey as its
// second factor, and removes the passkey.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import { launchChromium } from "../harness/engines/chromium.js";
import { browserTestSkip } from "../harness/browser.js";
import { createFixture, type Fixture } from "../harness/fixture.js";
import { ARTIFACTS } from "../harness/flow.js";
import { startLatchkeyApi, USER, type LatchkeyApi } from "../harness/latchkey-api.js";
import { freePort } from "../harness/ports.js";
import { buildSpa } from "../harness/spa.js";

const UI_TIMEOUT_MS = 30_000;

async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

const byId = (page: Page, id: string) => page.getByTestId(id);

describe("passkeys through the React example in Chromium with a virtual authenticator", {
  skip: browserTestSkip("chromium"),
}, () => {
  let fixture: Fixture;
  let browser: Browser;
  let api: LatchkeyApi;
  let origin: string;

  before(async () => {
    fixture = createFixture("passkeys-chromium");
    const spaDir = await buildSpa(fixture.folder("spa"));
    // The origin names the port, and the server needs the origin first (passkeys.origins).
    const port = await freePort();
    origin = `http://localhost:${port}`;
    api = await startLatchkeyApi({
      dataDir: fixture.folder("data"),
      spaDir,
      env: { LATCHKEY_PORT: String(port), LATCHKEY_PASSKEYS_ORIGINS: origin },
    });
    fixture.defer(() => api.stop());
    browser = await launchChromium();
    fixture.defer(() => browser.close());
  });
  after(async () => {
    await fixture?.cleanup();
  });

  it("registers a passkey, logs out, logs in without a password, logs in with the password and the passkey as second factor, and removes the passkey", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      const cdp = await context.newCDPSession(page);
      await cdp.send("WebAuthn.enable", { enableUI: false });
      const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
        options: {
          protocol: "ctap2",
          transport: "internal",
          hasResidentKey: true,
          hasUserVerification: true,
          isUserVerified: true,
          automaticPresenceSimulation: true,
        },
      });

      await page.goto(`${origin}/passkeys`);
      await byId(page, "login-username").fill(USER.username, { timeout: UI_TIMEOUT_MS });
      await byId(page, "login-password").fill(USER.password);
      await byId(page, "login-submit").click();
      await page
        .locator('[data-testid="passkeys-list"][data-count="0"]')
        .waitFor({ state: "attached", timeout: UI_TIMEOUT_MS });
      await byId(page, "passkey-new-name").fill("Chromium virtual authenticator");
      await byId(page, "passkey-register").click();
      await page
        .locator('[data-testid="passkeys-list"][data-count="1"]')
        .waitFor({ state: "attached", timeout: UI_TIMEOUT_MS });
      assert.equal(await byId(page, "passkey-name").textContent(), "Chromium virtual authenticator");
      const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
      assert.equal(credentials.length, 1);
      assert.equal(credentials[0]?.isResidentCredential, true, "a discoverable credential, so login needs no username");
      assert.equal(
        await page.getByTestId("passkey-recovery-codes").locator("li").count(),
        10,
        "the first second factor shows its 10 recovery codes once",
      );
      await shot(page, "passkeys-registered");

      // Log out (the session ends server-side), then log in with the passkey alone.
      await page.evaluate(async () => {
        const csrf = await fetch("/api/csrf/");
        await fetch("/api/logout/", {
          method: "POST",
          headers: { "X-CSRFToken": csrf.headers.get("X-CSRFToken") ?? "" },
        });
      });
      await page.goto(`${origin}/`);
      await byId(page, "login-passkey").click({ timeout: UI_TIMEOUT_MS });
      assert.equal(await byId(page, "whoami-username").textContent({ timeout: UI_TIMEOUT_MS }), USER.username);
      assert.equal(await byId(page, "session-status").textContent(), "authenticated");
      await shot(page, "passkeys-logged-in");

      // A passkey is also a second factor: a password login now asks for it, and the example's code step offers it.
      await page.evaluate(async () => {
        const csrf = await fetch("/api/csrf/");
        await fetch("/api/logout/", {
          method: "POST",
          headers: { "X-CSRFToken": csrf.headers.get("X-CSRFToken") ?? "" },
        });
      });
      await page.goto(`${origin}/`);
      await byId(page, "login-username").fill(USER.username, { timeout: UI_TIMEOUT_MS });
      await byId(page, "login-password").fill(USER.password);
      await byId(page, "login-submit").click();
      await byId(page, "login-mfa-passkey").click({ timeout: UI_TIMEOUT_MS });
      assert.equal(await byId(page, "whoami-username").textContent({ timeout: UI_TIMEOUT_MS }), USER.username);
      assert.equal(await byId(page, "session-status").textContent(), "authenticated");
      await shot(page, "passkeys-second-factor-logged-in");

      // Remove it: the session is fresh (it just logged in), so no password is asked for.
      await page.goto(`${origin}/passkeys`);
      await page
        .locator('[data-testid="passkeys-list"][data-count="1"]')
        .waitFor({ state: "attached", timeout: UI_TIMEOUT_MS });
      await byId(page, "passkey-remove").click();
      await page
        .locator('[data-testid="passkeys-list"][data-count="0"]')
        .waitFor({ state: "attached", timeout: UI_TIMEOUT_MS });
      await shot(page, "passkeys-removed");

      // The authenticator still holds the key, but the server no longer knows it.
      await page.evaluate(async () => {
        const csrf = await fetch("/api/csrf/");
        await fetch("/api/logout/", {
          method: "POST",
          headers: { "X-CSRFToken": csrf.headers.get("X-CSRFToken") ?? "" },
        });
      });
      await page.goto(`${origin}/`);
      await byId(page, "login-passkey").click({ timeout: UI_TIMEOUT_MS });
      assert.match((await byId(page, "login-error").textContent({ timeout: UI_TIMEOUT_MS })) ?? "", /\S/);
      assert.equal(await byId(page, "session-status").textContent(), "anonymous");
    } catch (error) {
      await shot(page, "passkeys-failed").catch(() => undefined);
      const log = api
        .logs()
        .slice(-15)
        .map((line) => line.text)
        .join("\n");
      throw new Error(
        `${error instanceof Error ? error.message : String(error)}\nserver log (last 15 lines):\n${log}`,
        { cause: error },
      );
    } finally {
      await context.close();
    }
  });
});
