// Deployment mode A (SPEC §5) with the Vue example (examples/vue-spa): `latchkey serve --spa`
// serves its build, one origin. The same steps as the React example's mode A; the Vue app adds
// a vue-router guard, so the visitor lands on /login and a reload there stays on it.
import assert from "node:assert/strict";
import { it } from "node:test";
import { artifactName, type EngineChecks } from "../harness/engines/index.js";
import { createFixture } from "../harness/fixture.js";
import { checkDeployment, LOCALHOST_COOKIES } from "../harness/flow.js";
import type { BrowserPage } from "../harness/engines/engine.js";
import { startLatchkeyApi, USER } from "../harness/latchkey-api.js";
import { buildSpa, VUE_SPA_SOURCE } from "../harness/spa.js";
import { startVisit } from "../harness/visit.js";

/** As in flow.ts: generous, the browser suites share 2 cores and every login hashes with argon2. */
const UI_TIMEOUT_MS = 30_000;

/** The page's path and its `redirect` query parameter, e.g. `/login ?redirect=/`. */
async function where(page: BrowserPage): Promise<string> {
  const value = await page.evaluate(
    'location.pathname + (new URLSearchParams(location.search).has("redirect") ? " ?redirect=" + new URLSearchParams(location.search).get("redirect") : "")',
  );
  return String(value);
}

/** vue-mode-a: the shared description of these checks, run in each engine by browser/<engine>/vue-mode-a.test.ts. */
export const VUE_MODE_A: EngineChecks = {
  title: "deployment mode A with the Vue example: the SPA and the API on one origin, served by latchkey",
  define(run) {
    it("A (Vue): latchkey serve --spa serves the built Vue example; login, reload, logout work and a cross-site page changes nothing", async () => {
      const fixture = createFixture("vue-a");
      try {
        const spaDir = await buildSpa(fixture.folder("spa"), {}, VUE_SPA_SOURCE);
        const api = await startLatchkeyApi({
          dataDir: fixture.folder("data"),
          spaDir,
          env: { LATCHKEY_DEPLOYMENT: "same-origin" },
        });
        fixture.defer(() => api.stop());
        const { attacker, session } = await startVisit(fixture, run);
        // `localhost`, as in the docs: a different site from the attacker's 127.0.0.1.
        const origin = `http://localhost:${api.port}`;
        await checkDeployment(session, {
          mode: artifactName(run.engine.name, "vue-a"),
          appUrl: `${origin}/`,
          apiOrigin: origin,
          auth: LOCALHOST_COOKIES,
          attacker,
          server: api,
          helloRoute: false,
        });
      } finally {
        await fixture.cleanup();
      }
    });

    it("A (Vue): the router guard sends a visitor to /login?redirect=/, moves on after the login, refuses a redirect to another site, and follows a logout in another tab", async () => {
      const fixture = createFixture("vue-a-guard");
      try {
        const spaDir = await buildSpa(fixture.folder("spa"), {}, VUE_SPA_SOURCE);
        const api = await startLatchkeyApi({
          dataDir: fixture.folder("data"),
          spaDir,
          env: { LATCHKEY_DEPLOYMENT: "same-origin" },
        });
        fixture.defer(() => api.stop());
        const session = await run.session(fixture);
        const origin = `http://localhost:${api.port}`;

        const first = await session.newPage();
        await first.goto(`${origin}/`);
        await first.waitForTestId("login-username", UI_TIMEOUT_MS);
        assert.equal(await where(first), "/login ?redirect=/");
        await first.fill("login-username", USER.username);
        await first.fill("login-password", USER.password);
        await first.click("login-submit");
        assert.equal(await first.textOf("whoami-username", UI_TIMEOUT_MS), USER.username);
        assert.equal(await where(first), "/");

        // Open redirect: a crafted login link must not send the logged-in user to another site.
        await first.goto(`${origin}/login?redirect=//127.0.0.1:9/phishing`);
        assert.equal(await first.textOf("whoami-username", UI_TIMEOUT_MS), USER.username);
        assert.equal(await first.evaluate("location.origin"), origin);
        assert.equal(await where(first), "/");

        // A second tab logs out: the first tab hears it through the client and leaves the page.
        const second = await session.newPage();
        await second.goto(`${origin}/`);
        assert.equal(await second.textOf("whoami-username", UI_TIMEOUT_MS), USER.username);
        await second.click("logout");
        await second.waitForTestId("login-username", UI_TIMEOUT_MS);
        await first.waitForTestId("login-username", UI_TIMEOUT_MS);
        assert.equal(await first.textOf("session-status", UI_TIMEOUT_MS), "anonymous");
        assert.equal(await where(first), "/login ?redirect=/");
        await second.close();
        await first.close();
      } finally {
        await fixture.cleanup();
      }
    });
  },
};
