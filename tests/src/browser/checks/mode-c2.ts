// Deployment mode C, same site on subdomains (SPEC §5): https://app.example.com calls
// https://api.example.com. The names are under .com, a suffix of the Public Suffix List, as
// production names are: WebKitGTK (libsoup) finds no registrable domain for a name under a
// suffix missing from that list (.test, .internal, .lan) and then treats the API's cookies
// as third-party (docs/deployment.md, "Browser engines"). One real nginx terminates TLS for both names and runs the
// shipped docs/deploy/nginx-app-and-api.conf; latchkey answers CORS for its trustedOrigins.
import assert from "node:assert/strict";
import { once } from "node:events";
import type { Server } from "node:http";
import { join } from "node:path";
import { it } from "node:test";
import { createLatchkey } from "@latchkey/core";
import { latchkeyExpress } from "@latchkey/express";
import { migrateSqlite, openSqliteDatabase, sqliteStores } from "@latchkey/store-sqlite";
import express, { type RequestHandler } from "express";
import { fastHasher } from "../../harness/test-latchkey.js";
import { EXPECTATIONS } from "../harness/engines/expectations.js";
import { artifactName, type EngineChecks } from "../harness/engines/index.js";
import { createFixture, type Fixture } from "../harness/fixture.js";
import { startVisit } from "../harness/visit.js";
import { attemptLogin, checkDeployment, screenshot } from "../harness/flow.js";
import { startAppAndApiNginx, startTwoOriginSite, twoOrigins } from "../harness/https-site.js";
import { USER } from "../harness/latchkey-api.js";

const HOSTS = { appHost: "app.example.com", apiHost: "api.example.com" };

/**
 * A hand-written CORS middleware of the kind people put in front of their API, with the
 * usual mistake: it allows the SPA's origin with credentials but does not list
 * `Access-Control-Expose-Headers: X-CSRFToken`.
 */
function corsWithoutExposedCsrfHeader(appOrigin: string): RequestHandler {
  return (req, res, next) => {
    if (req.headers.origin !== appOrigin) {
      next();
      return;
    }
    res.setHeader("Access-Control-Allow-Origin", appOrigin);
    res.setHeader("Access-Control-Allow-Credentials", "true");
    res.setHeader("Vary", "Origin");
    if (req.method === "OPTIONS") {
      res.setHeader("Access-Control-Allow-Methods", "GET, POST");
      res.setHeader("Access-Control-Allow-Headers", "Content-Type, X-CSRFToken");
      res.status(204).end();
      return;
    }
    next();
  };
}

/**
 * Your own Express API with latchkey's CORS turned off (`cors.enabled: false`) and the
 * middleware above instead; its log lines are kept in `warnings`.
 */
async function startApiWithOwnCors(
  fixture: Fixture,
  appOrigin: string,
): Promise<{ port: number; warnings: Record<string, unknown>[] }> {
  const database = openSqliteDatabase(join(fixture.folder("own-api"), "latchkey.sqlite3"));
  fixture.defer(() => database.close());
  migrateSqlite(database);
  const warnings: Record<string, unknown>[] = [];
  const ignore = (): void => undefined;
  const latchkey = createLatchkey({
    stores: sqliteStores({ database }),
    mode: "production",
    trustProxy: 1,
    trustedOrigins: [appOrigin],
    cors: { enabled: false },
    passwords: { hasher: fastHasher },
    logger: { debug: ignore, info: ignore, error: ignore, warn: (fields, msg) => warnings.push({ ...fields, msg }) },
  });
  const created = await latchkey.accounts.createUser({
    username: USER.username,
    password: USER.password,
    email: USER.email,
  });
  assert.ok(created.ok);
  const app = express();
  app.use(corsWithoutExposedCsrfHeader(appOrigin));
  app.use(latchkeyExpress(latchkey).middleware);
  const server: Server = app.listen(0, "127.0.0.1");
  await once(server, "listening");
  fixture.defer(() => new Promise<void>((resolve) => server.close(() => resolve())));
  fixture.defer(() => server.closeAllConnections());
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the API reported no TCP port");
  return { port: address.port, warnings };
}

/** mode-c2: the shared description of these checks, run in each engine by browser/<engine>/mode-c2.test.ts. */
export const MODE_C2: EngineChecks = {
  title: "deployment mode C2: same site, subdomains over HTTPS",
  programs: ["nginx", "openssl"],
  define(run) {
    it("C2: https://app.example.com logs in through https://api.example.com (CORS with credentials, CSRF token from the exposed X-CSRFToken header)", async () => {
      const fixture = createFixture("c2");
      try {
        // The configuration of docs/deployment.md, mode C2.
        const site = await startTwoOriginSite(fixture, {
          ...HOSTS,
          apiEnv: (appOrigin) => ({ LATCHKEY_DEPLOYMENT: "same-site", LATCHKEY_TRUSTED_ORIGINS: appOrigin }),
        });
        const { attacker, session } = await startVisit(fixture, run);
        await checkDeployment(session, {
          mode: artifactName(run.engine.name, "c2"),
          appUrl: `${site.appOrigin}/`,
          apiOrigin: site.apiOrigin,
          // Host-only cookies of api.example.com: the SPA's script on app.example.com cannot
          // read csrftoken and uses the X-CSRFToken response header instead.
          auth: {
            kind: "cookie",
            sessionCookie: "__Host-sessionid",
            cookieDomain: "api.example.com",
            secure: true,
            partitionKey: null,
            csrfCookieReadable: false,
          },
          attacker,
          server: site.api,
          helloRoute: false,
        });
      } finally {
        await fixture.cleanup();
      }
    });

    const outside = EXPECTATIONS[run.engine.name].c2OutsidePublicSuffixList;
    it(`C2 on names under a suffix missing from the Public Suffix List (https://app.example.test → https://api.example.test): ${outside.kept ? "login works, the cookies are first-party" : "the API's cookies are dropped as third-party, so login fails with CSRF cookie not set"}`, async () => {
      const fixture = createFixture("c2-outside-psl");
      try {
        const site = await startTwoOriginSite(fixture, {
          appHost: "app.example.test",
          apiHost: "api.example.test",
          apiEnv: (appOrigin) => ({ LATCHKEY_DEPLOYMENT: "same-site", LATCHKEY_TRUSTED_ORIGINS: appOrigin }),
        });
        const session = await run.session(fixture);
        const { page, error } = await attemptLogin(session, `${site.appOrigin}/`);
        await screenshot(page, artifactName(run.engine.name, "c2-outside-psl"));
        if (outside.kept) {
          assert.equal(error, null, "the login succeeded");
          assert.equal(await page.textOf("whoami-username", 30_000), USER.username);
          const stored = await session.cookies(site.apiOrigin, site.appOrigin);
          assert.ok(
            stored.some((c) => c.name === "__Host-sessionid" && c.partitionKey === outside.partitionKey),
            JSON.stringify(stored.map((c) => c.name)),
          );
        } else {
          assert.equal(
            error,
            "CSRF Failed: CSRF cookie not set. The browser did not send the API's cookies back: they are blocked (an API on another site needs Partitioned cookies or token mode) or cookies are disabled.",
          );
          const refused = await site.api.process.waitForLine(
            "the CSRF refusal log line",
            (line) => line.event === "request_refused" && line.code === "csrf_cookie_missing",
          );
          assert.equal(refused.path, "/api/login/");
        }
        await page.close();
      } finally {
        await fixture.cleanup();
      }
    });

    it("misconfigured C2: without the SPA's origin in trustedOrigins the browser hides every API answer (CORS) and the login form says the server cannot be reached", async () => {
      const fixture = createFixture("c2-untrusted-origin");
      try {
        const site = await startTwoOriginSite(fixture, { ...HOSTS, apiEnv: () => ({}) });
        const session = await run.session(fixture);
        const { page, diagnostics, error } = await attemptLogin(session, `${site.appOrigin}/`);
        await screenshot(page, artifactName(run.engine.name, "c2-untrusted-origin"));
        // The UI (examples/react-spa/src/messages.ts, code network_error).
        assert.equal(
          error,
          "The server cannot be reached, or the browser blocked its answer (a CORS error in the console means this page's origin is missing from the API's trustedOrigins).",
        );
        // The console names the cause where the driver can read it, e.g. Chromium's "Access to
        // fetch at 'https://api.example.com/api/session/' from origin 'https://app.example.com'
        // has been blocked by CORS policy: …" or Firefox's "Cross-Origin Request Blocked: …".
        const expected = EXPECTATIONS[run.engine.name];
        if (expected.corsConsoleLine !== null && diagnostics.console !== null) {
          const names = expected.corsConsoleLine;
          assert.ok(
            diagnostics.console.some((line) => names(line, site.apiOrigin, site.appOrigin)),
            `the console names CORS: ${diagnostics.summary()}`,
          );
        }
        // The server did answer (GET 200, preflight 204), but without Access-Control-Allow-Origin
        // the browser hid the answers, and the login POST never left the browser.
        assert.equal(
          await page.textOf("session-error", 10_000),
          `(The server could not be reached: ${expected.corsFetchError})`,
        );
        const preflight = await site.api.requestLine("OPTIONS", "/api/login/");
        assert.equal(preflight.status, 204);
        assert.equal(
          site.api.logs().some((line) => line.event === "request" && line.method === "POST"),
          false,
          "no POST reached the server",
        );
        await page.close();
      } finally {
        await fixture.cleanup();
      }
    });

    it("misconfigured C2: your own CORS middleware without Access-Control-Expose-Headers: X-CSRFToken hides the token, so login fails with CSRF token missing", async () => {
      const fixture = createFixture("c2-csrf-header-hidden");
      try {
        const origins = await twoOrigins(HOSTS.appHost, HOSTS.apiHost);
        const api = await startApiWithOwnCors(fixture, origins.appOrigin);
        await startAppAndApiNginx(fixture, origins, api.port, { VITE_LATCHKEY_URL: origins.apiOrigin });
        const session = await run.session(fixture);
        const { page, diagnostics, error } = await attemptLogin(session, `${origins.appOrigin}/`);
        await screenshot(page, artifactName(run.engine.name, "c2-csrf-header-hidden"));
        // The csrftoken cookie is host-only on api.example.test, so the SPA's script cannot read
        // it, and the header that carries the token is hidden from it: it sends no token.
        assert.equal(error, "CSRF Failed: CSRF token missing. Reload the page and try again.");
        assert.equal(
          (diagnostics.console ?? []).some((line) => line.includes("CORS")),
          false,
          `CORS itself succeeded: ${diagnostics.summary()}`,
        );
        const refused = api.warnings.find((line) => line.event === "request_refused");
        assert.equal(refused?.code, "csrf_token_missing", JSON.stringify(api.warnings));
        assert.equal(refused?.msg, "CSRF check failed: CSRF Failed: CSRF token missing.");
        await page.close();
      } finally {
        await fixture.cleanup();
      }
    });
  },
};
