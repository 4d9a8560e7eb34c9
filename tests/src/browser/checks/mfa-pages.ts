// The example SPA's two-factor page in a real browser, mode A (`latchkey serve --spa`): the
// user turns on TOTP by typing the secret the page shows into a code generator (the test's own
// RFC 6238 code), sees the recovery codes, logs out, and logs in with password and code.
import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { MFA_KEY, STEP_MS, totpCode } from "../../contract/mfa-support.js";
import { artifactName, type EngineChecks, type EngineRun } from "../harness/engines/index.js";
import { createFixture, type Fixture } from "../harness/fixture.js";
import { screenshot } from "../harness/flow.js";
import { startLatchkeyApi, USER } from "../harness/latchkey-api.js";
import { buildSpa } from "../harness/spa.js";

const UI_TIMEOUT_MS = 30_000;

function defineChecks(run: EngineRun): void {
  let spaDir: string;
  let build: Fixture | undefined;
  before(async () => {
    build = createFixture(`mfa-pages-build-${run.engine.name}`);
    spaDir = await buildSpa(build.folder("spa"));
  });
  after(async () => {
    await build?.cleanup();
  });

  it("turns on an authenticator app on the two-factor page, then logs in with the password and a code from it", async () => {
    const fixture = createFixture(`mfa-pages-${run.engine.name}`);
    try {
      const api = await startLatchkeyApi({
        dataDir: fixture.folder("data"),
        spaDir,
        env: { LATCHKEY_MFA_ENCRYPTION_KEYS: `${MFA_KEY.id}:${MFA_KEY.key}` },
      });
      fixture.defer(() => api.stop());
      const origin = `http://localhost:${api.port}`;
      const page = await (await run.session(fixture)).newPage();
      try {
        await page.goto(`${origin}/mfa`);
        await page.waitForTestId("login-username", UI_TIMEOUT_MS);
        await page.fill("login-username", USER.username);
        await page.fill("login-password", USER.password);
        await page.click("login-submit");
        assert.equal(await page.textOf("mfa-status", UI_TIMEOUT_MS), "Authenticator app off.");
        await page.click("mfa-setup");
        const secret = await page.textOf("mfa-secret", UI_TIMEOUT_MS);
        assert.match(secret, /^[A-Z2-7]{32}$/);
        await page.waitForTestId("mfa-qr", UI_TIMEOUT_MS);
        await screenshot(page, artifactName(run.engine.name, "mfa-setup"));
        // The code of the previous 30-second step (accepted: ±1 step), so the login below can
        // use the current one at once: a code is never accepted twice, nor an older one.
        await page.fill("mfa-code", totpCode(secret, Date.now() - STEP_MS));
        await page.click("mfa-confirm");
        // The codes appear when the confirmation succeeded; the status line follows on the page's reload of /mfa/.
        await page.waitForTestId("mfa-recovery-codes", UI_TIMEOUT_MS);
        await page.waitForTrue(
          `document.querySelector('[data-testid="mfa-status"]')?.textContent?.startsWith("Authenticator app on") === true`,
          UI_TIMEOUT_MS,
        );
        assert.match(
          await page.textOf("mfa-status", UI_TIMEOUT_MS),
          /^Authenticator app on; 10 recovery codes left\.$/,
        );
        await screenshot(page, artifactName(run.engine.name, "mfa-recovery-codes"));

        await page.click("nav-home");
        await page.click("logout");
        await page.waitForTestId("login-username", UI_TIMEOUT_MS);
        await page.fill("login-username", USER.username);
        await page.fill("login-password", USER.password);
        await page.click("login-submit");
        await page.waitForTestId("login-code", UI_TIMEOUT_MS);
        assert.equal(await page.textOf("session-status", UI_TIMEOUT_MS), "anonymous");
        await screenshot(page, artifactName(run.engine.name, "mfa-login-code"));
        await page.fill("login-code", totpCode(secret, Date.now()));
        await page.click("login-submit");
        assert.equal(await page.textOf("whoami-username", UI_TIMEOUT_MS), USER.username);
        assert.equal(await page.textOf("session-status", UI_TIMEOUT_MS), "authenticated");
        if (page.diagnostics.pageErrors !== null)
          assert.deepEqual(page.diagnostics.pageErrors, [], "the SPA threw no uncaught errors");
      } catch (error) {
        await screenshot(page, artifactName(run.engine.name, "mfa-pages-failed")).catch(() => undefined);
        const log = api
          .logs()
          .slice(-15)
          .map((line) => line.text)
          .join("\n");
        throw new Error(
          `${error instanceof Error ? error.message : String(error)}\nserver log (last 15 lines):\n${log}`,
          { cause: error },
        );
      }
    } finally {
      await fixture.cleanup();
    }
  });
}

/** mfa-pages: mode A, run by browser/chromium/mfa-pages.test.ts. */
export const MFA_PAGES: EngineChecks = {
  title: "the example SPA's two-factor page (mode A: latchkey serve --spa)",
  define: (run) => defineChecks(run),
};
