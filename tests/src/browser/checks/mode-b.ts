// Deployment mode B (SPEC §5): the SPA's static build and the API behind one real nginx, on
// one origin, with TLS at nginx and `trustProxy` at latchkey. nginx runs the shipped file
// docs/deploy/nginx-same-origin.conf with its placeholders filled in.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import { artifactName, type EngineChecks, type EngineRun } from "../harness/engines/index.js";
import { createFixture } from "../harness/fixture.js";
import { startVisit } from "../harness/visit.js";
import { attemptLogin, checkDeployment, screenshot } from "../harness/flow.js";
import { NGINX_TEMPLATES, startHttpsNginx } from "../harness/https-site.js";
import { startLatchkeyApi } from "../harness/latchkey-api.js";
import { freePort } from "../harness/ports.js";
import { buildSpa, SPA_SOURCE } from "../harness/spa.js";

/**
 * Mode B's main check for one example SPA (`spaSource`): its static build and the ready server
 * behind nginx with TLS, configured as docs/deployment.md says, through `checkDeployment`.
 * Screenshots and the fixture are named after `name`.
 */
export async function checkSameOriginBehindNginx(run: EngineRun, name: string, spaSource: string): Promise<void> {
  const fixture = createFixture(name);
  try {
    const spaDir = await buildSpa(fixture.folder("spa"), {}, spaSource);
    // The configuration of docs/deployment.md, mode B.
    const api = await startLatchkeyApi({
      dataDir: fixture.folder("data"),
      env: { LATCHKEY_MODE: "production", LATCHKEY_DEPLOYMENT: "reverse-proxy" },
    });
    fixture.defer(() => api.stop());
    const nginx = await startHttpsNginx(
      fixture,
      NGINX_TEMPLATES.sameOrigin,
      { SERVER_NAME: "app.example.test", SPA_ROOT: spaDir, LATCHKEY_UPSTREAM: `127.0.0.1:${api.port}` },
      await freePort(),
    );
    const { attacker, session } = await startVisit(fixture, run);
    const origin = `https://app.example.test:${nginx.port}`;
    await checkDeployment(session, {
      mode: artifactName(run.engine.name, name),
      appUrl: `${origin}/`,
      apiOrigin: origin,
      // Production mode: Secure always, and the __Host- prefix on the session cookie.
      auth: {
        kind: "cookie",
        sessionCookie: "__Host-sessionid",
        cookieDomain: "app.example.test",
        secure: true,
        partitionKey: null,
        csrfCookieReadable: true,
      },
      attacker,
      server: api,
      helloRoute: false,
    });
  } finally {
    await fixture.cleanup();
  }
}

/** mode-b: the shared description of these checks, run in each engine by browser/<engine>/mode-b.test.ts. */
export const MODE_B: EngineChecks = {
  title: "deployment mode B: the SPA and the API behind one nginx, same origin",
  programs: ["nginx", "openssl"],
  define(run) {
    it("B: https://app.example.test serves the static build and proxies /api/ to latchkey (production mode, trustProxy 1): Secure __Host- cookies, login, reload, logout, no CSRF", async () => {
      await checkSameOriginBehindNginx(run, "b", SPA_SOURCE);
    });

    it("misconfigured B: a trailing slash on proxy_pass strips /api/, so every API call is a 404 and the page says Not found.", async () => {
      const fixture = createFixture("b-proxy-pass-slash");
      try {
        const spaDir = await buildSpa(fixture.folder("spa"));
        const api = await startLatchkeyApi({
          dataDir: fixture.folder("data"),
          env: { LATCHKEY_MODE: "production", LATCHKEY_DEPLOYMENT: "reverse-proxy" },
        });
        fixture.defer(() => api.stop());
        // The shipped file with the one-character mistake.
        const shipped = readFileSync(NGINX_TEMPLATES.sameOrigin, "utf8");
        const broken = shipped.replace(
          "proxy_pass http://${LATCHKEY_UPSTREAM};",
          "proxy_pass http://${LATCHKEY_UPSTREAM}/;",
        );
        assert.notEqual(broken, shipped);
        const template = join(fixture.folder("broken"), "nginx-same-origin.conf");
        writeFileSync(template, broken);
        const nginx = await startHttpsNginx(
          fixture,
          template,
          { SERVER_NAME: "app.example.test", SPA_ROOT: spaDir, LATCHKEY_UPSTREAM: `127.0.0.1:${api.port}` },
          await freePort(),
        );
        const session = await run.session(fixture);
        const { page, error } = await attemptLogin(session, `https://app.example.test:${nginx.port}/`);
        await screenshot(page, artifactName(run.engine.name, "b-proxy-pass-slash"));
        assert.equal(error, "Not found.");
        assert.equal(await page.textOf("session-status", 10_000), "anonymous");
        assert.equal(await page.textOf("session-error", 10_000), "(Not found.)");
        // latchkey's log shows the path without its /api prefix.
        const stripped = await api.requestLine("GET", "/session/");
        assert.equal(stripped.status, 404);
        await page.close();
      } finally {
        await fixture.cleanup();
      }
    });
  },
};
