// Deployment mode A (SPEC §5): the built SPA served by the API's own server, one origin.
//   A:  `latchkey serve --spa <dir>` (the ready server)
//   A': the same build served by your own Express app with @latchkey/express and an app route
//       that requireUser() protects (examples/adapters/express-spa-server.ts)
import { join } from "node:path";
import { it } from "node:test";
import { REPO_ROOT } from "../../server/latchkey-process.js";
import { startChild } from "../harness/child-process.js";
import { artifactName, type EngineChecks } from "../harness/engines/index.js";
import { createFixture } from "../harness/fixture.js";
import { startVisit } from "../harness/visit.js";
import { checkDeployment, LOCALHOST_COOKIES } from "../harness/flow.js";
import { createUser, startLatchkeyApi } from "../harness/latchkey-api.js";
import { buildSpa } from "../harness/spa.js";

/** mode-a: the shared description of these checks, run in each engine by browser/<engine>/mode-a.test.ts. */
export const MODE_A: EngineChecks = {
  title: "deployment mode A: the SPA and the API on one origin, served by one Node server",
  define(run) {
    it("A: latchkey serve --spa serves the built example; login, reload, logout work and a cross-site page changes nothing", async () => {
      const fixture = createFixture("a");
      try {
        const spaDir = await buildSpa(fixture.folder("spa"));
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
          mode: artifactName(run.engine.name, "a"),
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

    it("A': your own Express server (examples/adapters/express-spa-server.ts) serves the same build and its requireUser() route answers the logged-in user", async () => {
      const fixture = createFixture("a-express");
      try {
        const spaDir = await buildSpa(fixture.folder("spa"));
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
        // The docs' way to make a user for your own server: the CLI, pointed at its database.
        await createUser(fixture.folder("cli"), databaseFile);
        const { attacker, session } = await startVisit(fixture, run);
        const origin = `http://localhost:${port}`;
        await checkDeployment(session, {
          mode: artifactName(run.engine.name, "a-express"),
          appUrl: `${origin}/`,
          apiOrigin: origin,
          auth: LOCALHOST_COOKIES,
          attacker,
          helloRoute: true,
        });
      } finally {
        await fixture.cleanup();
      }
    });
  },
};
