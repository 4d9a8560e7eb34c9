// Deployment mode A (SPEC §5) with the Vue example (examples/vue-spa): `latchkey serve --spa`
// serves its build, one origin. The same steps as the React example's mode A; the Vue app adds
// a vue-router guard, so the visitor lands on /login and a reload there stays on it.
import { it } from "node:test";
import { artifactName, type EngineChecks } from "../harness/engines/index.js";
import { createFixture } from "../harness/fixture.js";
import { checkDeployment, LOCALHOST_COOKIES } from "../harness/flow.js";
import { startLatchkeyApi } from "../harness/latchkey-api.js";
import { buildSpa, VUE_SPA_SOURCE } from "../harness/spa.js";
import { startVisit } from "../harness/visit.js";

/** vue-mode-a: the shared description of these checks, run in each engine by browser/<engine>/vue-mode-a.test.ts. */
export const VUE_MODE_A: EngineChecks = {
  title: "deployment mode A with the Vue example: the SPA and the API on one origin, served by latchkey",
  define(run) {
    it("A (Vue): latchkey serve --spa serves the built Vue example; login, reload, logout work and a cross-site page changes nothing", async () => {
      const fixture = createFixture("vue-a");
      try {
        const spaDir = await buildSpa(fixture.folder("spa"), {}, VUE_SPA_SOURCE);
        const api = await startLatchkeyApi({ dataDir: fixture.folder("data"), spaDir });
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
  },
};
