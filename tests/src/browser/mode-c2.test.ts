// Deployment mode C, same site on subdomains (SPEC §5): https://app.example.test calls
// https://api.example.test. One real nginx terminates TLS for both names and runs the
// shipped docs/deploy/nginx-app-and-api.conf; latchkey answers CORS for its trustedOrigins.
import assert from "node:assert/strict";
import { once } from "node:events";
import type { Server } from "node:http";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createLatchkey } from "@latchkey/core";
import { latchkeyExpress } from "@latchkey/express";
import { migrateSqlite, openSqliteDatabase, sqliteStores } from "@latchkey/store-sqlite";
import express, { type RequestHandler } from "express";
import type { Browser } from "playwright-core";
import { fastHasher } from "../harness/test-latchkey.js";
import { browserTestSkip, launchChromium, newTestContext } from "./harness/browser.js";
import { createFixture, type Fixture } from "./harness/fixture.js";
import { startVisit } from "./harness/visit.js";
import { attemptLogin, checkDeployment, screenshot } from "./harness/flow.js";
import { startAppAndApiNginx, startTwoOriginSite, twoOrigins } from "./harness/https-site.js";
import { USER } from "./harness/latchkey-api.js";

const HOSTS = { appHost: "app.example.test", apiHost: "api.example.test" };

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
async function startApiWithOwnCors(fixture: Fixture, appOrigin: string): Promise<{ port: number; warnings: Record<string, unknown>[] }> {
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
  const created = await latchkey.accounts.createUser({ username: USER.username, password: USER.password, email: USER.email });
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

describe("deployment mode C2: same site, subdomains over HTTPS", { skip: browserTestSkip("chromium", "nginx", "openssl") }, () => {
  // Assigned in before(); after() copes with a launch that failed.
  let browser: Browser;
  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });

  it("C2: https://app.example.test logs in through https://api.example.test (CORS with credentials, CSRF token from the exposed X-CSRFToken header)", async () => {
    const fixture = createFixture("c2");
    try {
      // The configuration of docs/deployment.md, mode C2.
      const site = await startTwoOriginSite(fixture, { ...HOSTS, apiEnv: (appOrigin) => ({ LATCHKEY_TRUSTED_ORIGINS: appOrigin }) });
      const { attacker, context } = await startVisit(fixture, browser);
      await checkDeployment(context, {
        mode: "c2",
        appUrl: `${site.appOrigin}/`,
        apiOrigin: site.apiOrigin,
        // Host-only cookies of api.example.test: the SPA's script on app.example.test cannot
        // read csrftoken and uses the X-CSRFToken response header instead.
        auth: { kind: "cookie", sessionCookie: "__Host-sessionid", cookieDomain: "api.example.test", secure: true, partitionKey: null, csrfCookieReadable: false },
        attacker,
        server: site.api,
        helloRoute: false,
      });
    } finally {
      await fixture.cleanup();
    }
  });

  it("misconfigured C2: without the SPA's origin in trustedOrigins the browser hides every API answer (CORS) and the login form says the server cannot be reached", async () => {
    const fixture = createFixture("c2-untrusted-origin");
    try {
      const site = await startTwoOriginSite(fixture, { ...HOSTS, apiEnv: () => ({}) });
      const context = await newTestContext(browser);
      fixture.defer(() => context.close());
      const { page, diagnostics, error } = await attemptLogin(context, `${site.appOrigin}/`);
      await screenshot(page, "c2-untrusted-origin");
      // The UI (examples/react-spa/src/messages.ts, code network_error).
      assert.equal(
        error,
        "The server cannot be reached, or the browser blocked its answer (a CORS error in the console means this page's origin is missing from the API's trustedOrigins).",
      );
      // The console names the cause, e.g. "Access to fetch at 'https://api.example.test/api/
      // session/' from origin 'https://app.example.test' has been blocked by CORS policy: …".
      const blocked = diagnostics.console.filter((line) => line.includes(`from origin '${site.appOrigin}' has been blocked by CORS policy`));
      assert.ok(blocked.some((line) => line.startsWith(`Access to fetch at '${site.apiOrigin}/api/session/'`)), `the console names CORS: ${diagnostics.summary()}`);
      // The server did answer (GET 200, preflight 204), but without Access-Control-Allow-Origin
      // the browser hid the answers, and the login POST never left the browser.
      assert.equal((await page.getByTestId("session-error").innerText()).trim(), "(The server could not be reached: Failed to fetch)");
      const preflight = await site.api.requestLine("OPTIONS", "/api/login/");
      assert.equal(preflight.status, 204);
      assert.equal(site.api.logs().some((line) => line.event === "request" && line.method === "POST"), false, "no POST reached the server");
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
      const context = await newTestContext(browser);
      fixture.defer(() => context.close());
      const { page, diagnostics, error } = await attemptLogin(context, `${origins.appOrigin}/`);
      await screenshot(page, "c2-csrf-header-hidden");
      // The csrftoken cookie is host-only on api.example.test, so the SPA's script cannot read
      // it, and the header that carries the token is hidden from it: it sends no token.
      assert.equal(error, "CSRF Failed: CSRF token missing. Reload the page and try again.");
      assert.equal(diagnostics.console.some((line) => line.includes("CORS")), false, `CORS itself succeeded: ${diagnostics.summary()}`);
      const refused = api.warnings.find((line) => line.event === "request_refused");
      assert.equal(refused?.code, "csrf_token_missing", JSON.stringify(api.warnings));
      assert.equal(refused?.msg, "CSRF check failed: CSRF Failed: CSRF token missing.");
      await page.close();
    } finally {
      await fixture.cleanup();
    }
  });
});
