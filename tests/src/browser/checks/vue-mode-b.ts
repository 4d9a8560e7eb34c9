// Deployment mode B (SPEC §5) with the Vue example (examples/vue-spa): its static build and the
// API behind one real nginx, on one origin, with TLS at nginx and `trustProxy` at latchkey.
// nginx runs the shipped docs/deploy/nginx-same-origin.conf, whose `try_files ... /index.html`
// answers the Vue app's /login route on a reload.
import { it } from "node:test";
import { artifactName, type EngineChecks } from "../harness/engines/index.js";
import { createFixture } from "../harness/fixture.js";
import { startVisit } from "../harness/visit.js";
import { checkDeployment } from "../harness/flow.js";
import { NGINX_TEMPLATES, startHttpsNginx } from "../harness/https-site.js";
import { startLatchkeyApi } from "../harness/latchkey-api.js";
import { freePort } from "../harness/ports.js";
import { buildSpa, VUE_SPA_SOURCE } from "../harness/spa.js";

/** vue-mode-b: the shared description of these checks, run in each engine by browser/<engine>/vue-mode-b.test.ts. */
export const VUE_MODE_B: EngineChecks = {
  title: "deployment mode B with the Vue example: the SPA and the API behind one nginx, same origin",
  programs: ["nginx", "openssl"],
  define(run) {
    it("B (Vue): https://app.example.test serves the Vue example's static build and proxies /api/ to latchkey (production mode, trustProxy 1): Secure __Host- cookies, login, reload, logout, no CSRF", async () => {
      const fixture = createFixture("vue-b");
      try {
        const spaDir = await buildSpa(fixture.folder("spa"), {}, VUE_SPA_SOURCE);
        // The configuration of docs/deployment.md, mode B.
        const api = await startLatchkeyApi({ dataDir: fixture.folder("data"), env: { LATCHKEY_MODE: "production", LATCHKEY_TRUST_PROXY: "1" } });
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
          mode: artifactName(run.engine.name, "vue-b"),
          appUrl: `${origin}/`,
          apiOrigin: origin,
          // Production mode: Secure always, and the __Host- prefix on the session cookie.
          auth: { kind: "cookie", sessionCookie: "__Host-sessionid", cookieDomain: "app.example.test", secure: true, partitionKey: null, csrfCookieReadable: true },
          attacker,
          server: api,
          helloRoute: false,
        });
      } finally {
        await fixture.cleanup();
      }
    });
  },
};
