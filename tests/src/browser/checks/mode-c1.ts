// Development set-ups with the Vite dev server (SPEC §5):
//   C1:    same site, other port: the SPA on http://localhost:<vite> (no proxy) calls the API
//          on http://localhost:<api> with CORS; cookies ignore ports, so they are first-party.
//   B-dev: same origin through the Vite dev proxy (examples/react-spa/vite.config.ts).
// Both run `vite` itself, so they share this file (one dev server at a time).
import assert from "node:assert/strict";
import { it } from "node:test";
import { EXPECTATIONS } from "../harness/engines/expectations.js";
import { artifactName, type EngineChecks } from "../harness/engines/index.js";
import { createFixture } from "../harness/fixture.js";
import { startVisit } from "../harness/visit.js";
import { attemptLogin, checkDeployment, LOCALHOST_COOKIES, screenshot } from "../harness/flow.js";
import { startLatchkeyApi } from "../harness/latchkey-api.js";
import { freePort } from "../harness/ports.js";
import { startViteDev } from "../harness/spa.js";

/** mode-c1: the shared description of these checks, run in each engine by browser/<engine>/mode-c1.test.ts. */
export const MODE_C1: EngineChecks = {
  title: "development with the Vite dev server",
  define(run) {
    it("C1: the Vite dev server on http://localhost calls the API on another localhost port with CORS (trustedOrigins), no proxy", async () => {
      const fixture = createFixture("c1");
      try {
        const vitePort = await freePort();
        const spaOrigin = `http://localhost:${vitePort}`;
        const api = await startLatchkeyApi({
          dataDir: fixture.folder("data"),
          env: { LATCHKEY_DEPLOYMENT: "same-site", LATCHKEY_TRUSTED_ORIGINS: spaOrigin },
        });
        fixture.defer(() => api.stop());
        // `localhost` on both sides: `127.0.0.1` would be another site (see the docs).
        const apiOrigin = `http://localhost:${api.port}`;
        const vite = await startViteDev({ port: vitePort, settings: { VITE_LATCHKEY_URL: apiOrigin } });
        fixture.defer(() => vite.stop());
        const { attacker, session } = await startVisit(fixture, run);
        await checkDeployment(session, {
          mode: artifactName(run.engine.name, "c1"),
          appUrl: `${spaOrigin}/`,
          apiOrigin,
          // Cookies are not scoped by port: the SPA's script sees the API's csrftoken.
          auth: LOCALHOST_COOKIES,
          attacker,
          server: api,
          helloRoute: false,
        });
      } finally {
        await fixture.cleanup();
      }
    });

    it("B-dev: the Vite dev proxy forwards /api to latchkey, so the SPA and the API share one origin without CORS", async () => {
      const fixture = createFixture("b-dev");
      try {
        const api = await startLatchkeyApi({ dataDir: fixture.folder("data") });
        fixture.defer(() => api.stop());
        const vitePort = await freePort();
        const vite = await startViteDev({ port: vitePort, proxyTarget: api.url });
        fixture.defer(() => vite.stop());
        const { attacker, session } = await startVisit(fixture, run);
        const origin = `http://localhost:${vitePort}`;
        await checkDeployment(session, {
          mode: artifactName(run.engine.name, "b-dev"),
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

    it("misconfigured C1: the SPA on http://localhost calling the API as http://127.0.0.1 is cross-site, so its cookies are dropped and login fails with CSRF cookie not set", async () => {
      const fixture = createFixture("c1-localhost-vs-127");
      try {
        const vitePort = await freePort();
        const spaOrigin = `http://localhost:${vitePort}`;
        const api = await startLatchkeyApi({
          dataDir: fixture.folder("data"),
          env: { LATCHKEY_DEPLOYMENT: "same-site", LATCHKEY_TRUSTED_ORIGINS: spaOrigin },
        });
        fixture.defer(() => api.stop());
        const vite = await startViteDev({ port: vitePort, settings: { VITE_LATCHKEY_URL: api.url } });
        fixture.defer(() => vite.stop());
        const session = await run.session(fixture);
        const { page, diagnostics, error } = await attemptLogin(session, `${spaOrigin}/`);
        await screenshot(page, artifactName(run.engine.name, "c1-localhost-vs-127"));
        assert.ok(api.url.startsWith("http://127.0.0.1:"), api.url);
        assert.equal(
          error,
          "CSRF Failed: CSRF cookie not set. The browser did not send the API's cookies back: they are blocked (an API on another site needs Partitioned cookies or token mode) or cookies are disabled.",
        );
        // The engine's reason, where it gives one (harness/engines/expectations.ts).
        const reason = EXPECTATIONS[run.engine.name].refusedCrossSiteLaxCookie;
        if (reason !== null) assert.ok(diagnostics.refusedSetCookies?.includes(reason), diagnostics.summary());
        const refused = await api.process.waitForLine(
          "the CSRF refusal log line",
          (line) => line.event === "request_refused" && line.code === "csrf_cookie_missing",
        );
        assert.equal(refused.path, "/api/login/");
        await page.close();
      } finally {
        await fixture.cleanup();
      }
    });
  },
};
