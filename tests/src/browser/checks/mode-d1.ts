// Deployment mode D, cross site, in each engine's default settings (SPEC §5):
// https://app.example.test calls https://api.example.net. This Chromium blocks third-party
// cookies and keeps Partitioned (CHIPS) ones; Firefox partitions every third-party cookie
// (Total Cookie Protection); WebKitGTK drops them all. Token mode works everywhere. What each
// engine does is the table of docs/deployment.md (harness/engines/expectations.ts).
// One real nginx runs docs/deploy/nginx-app-and-api.conf.
import assert from "node:assert/strict";
import { it } from "node:test";
import { EXPECTATIONS } from "../harness/engines/expectations.js";
import { artifactName, type EngineChecks, type EngineRun } from "../harness/engines/index.js";
import { createFixture, type Fixture } from "../harness/fixture.js";
import { startVisit } from "../harness/visit.js";
import { attemptLogin, checkDeployment, screenshot } from "../harness/flow.js";
import { startTwoOriginSite, type TwoOriginSite } from "../harness/https-site.js";

const HOSTS = { appHost: "app.example.test", apiHost: "api.example.net" };

/**
 * The login form's text when the browser dropped the API's cookies (examples/react-spa/src/messages.ts, code
 * csrf_cookie_missing).
 */
const CSRF_COOKIE_NOT_SET =
  "CSRF Failed: CSRF cookie not set. The browser did not send the API's cookies back: they are blocked (an API on another site needs Partitioned cookies or token mode) or cookies are disabled.";

/**
 * A login in an engine that dropped the API's cookies: the form says "CSRF cookie not set",
 * the engine's reason (where it gives one) names the csrftoken, no console line talks about
 * cookies without the engine's reason, and the server refused the login POST.
 */
async function expectCookiesDropped(
  run: EngineRun,
  site: TwoOriginSite,
  fixture: Fixture,
  name: string,
): Promise<void> {
  const session = await run.session(fixture);
  const { page, diagnostics, error } = await attemptLogin(session, `${site.appOrigin}/`);
  await screenshot(page, artifactName(run.engine.name, name));
  assert.equal(error, CSRF_COOKIE_NOT_SET);
  const reason = EXPECTATIONS[run.engine.name].refusedThirdPartyCookie;
  if (reason !== null) assert.ok(diagnostics.refusedSetCookies?.includes(reason), diagnostics.summary());
  // Chromium says why only over CDP (reason UserPreferences), never in the console.
  if (diagnostics.console !== null)
    assert.equal(
      diagnostics.console.some((line) => /cookie/i.test(line) && !line.includes("403")),
      false,
      `no console line mentions cookies: ${diagnostics.summary()}`,
    );
  // The server's side: a warn line naming the refusal, for the login POST.
  const refused = await site.api.process.waitForLine(
    "the CSRF refusal log line",
    (line) => line.event === "request_refused" && line.code === "csrf_cookie_missing",
  );
  assert.equal(refused.path, "/api/login/");
  assert.equal(refused.msg, "CSRF check failed: CSRF Failed: CSRF cookie not set.");
  assert.equal(
    site.api.logs().some((line) => line.event === "login"),
    false,
    "nobody logged in",
  );
  await page.close();
}

/** mode-d1: the shared description of these checks, run in each engine by browser/<engine>/mode-d1.test.ts. */
export const MODE_D1: EngineChecks = {
  title: "deployment mode D1: cross site, third-party cookies blocked or partitioned (the browser's default)",
  programs: ["nginx", "openssl"],
  define(run) {
    const expected = EXPECTATIONS[run.engine.name];

    it(`D1 with CHIPS: SameSite=None; Secure; Partitioned cookies of https://api.example.net ${expected.d1Partitioned.kept ? "keep a cookie session for the SPA on https://app.example.test, in its partition" : "are dropped, so login fails with CSRF cookie not set (this engine has no partitioned cookies: use token mode)"}`, async () => {
      const fixture = createFixture("d1-chips");
      try {
        // The configuration of docs/deployment.md, mode D1 (cookies).
        const site = await startTwoOriginSite(fixture, {
          ...HOSTS,
          apiEnv: (appOrigin) => ({ LATCHKEY_DEPLOYMENT: "cross-site", LATCHKEY_TRUSTED_ORIGINS: appOrigin }),
        });
        if (!expected.d1Partitioned.kept) {
          await expectCookiesDropped(run, site, fixture, "d1-chips");
          return;
        }
        const { attacker, session } = await startVisit(fixture, run);
        await checkDeployment(session, {
          mode: artifactName(run.engine.name, "d1-chips"),
          appUrl: `${site.appOrigin}/`,
          apiOrigin: site.apiOrigin,
          // Stored in the SPA's partition (its site, https://example.test), sent only on
          // requests made from pages of that site.
          auth: {
            kind: "cookie",
            sessionCookie: "__Host-sessionid",
            cookieDomain: "api.example.net",
            secure: true,
            partitionKey: expected.d1Partitioned.partitionKey,
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

    it("D1 in token mode: the same SPA built with VITE_LATCHKEY_MODE=token logs in with a bearer token and needs no cookie at all", async () => {
      const fixture = createFixture("d1-token");
      try {
        // The configuration of docs/deployment.md, mode D1 (tokens): CORS only.
        const site = await startTwoOriginSite(fixture, {
          ...HOSTS,
          apiEnv: (appOrigin) => ({ LATCHKEY_DEPLOYMENT: "cross-site-token", LATCHKEY_TRUSTED_ORIGINS: appOrigin }),
          spa: (apiOrigin) => ({
            VITE_LATCHKEY_URL: apiOrigin,
            VITE_LATCHKEY_MODE: "token",
            VITE_LATCHKEY_TOKEN_STORAGE: "localStorage",
          }),
        });
        const { attacker, session } = await startVisit(fixture, run);
        await checkDeployment(session, {
          mode: artifactName(run.engine.name, "d1-token"),
          appUrl: `${site.appOrigin}/`,
          apiOrigin: site.apiOrigin,
          auth: { kind: "token" },
          attacker,
          server: site.api,
          helloRoute: false,
        });
      } finally {
        await fixture.cleanup();
      }
    });

    it(`misconfigured D1: SameSite=None cookies without cookies.partitioned ${expected.d1Unpartitioned.kept ? "still work here, partitioned by the browser itself (Total Cookie Protection), but fail in the engines that block third-party cookies" : "are blocked as third-party cookies, so login fails its CSRF check (CSRF cookie not set)"}`, async () => {
      const fixture = createFixture("d1-not-partitioned");
      try {
        const site = await startTwoOriginSite(fixture, {
          ...HOSTS,
          apiEnv: (appOrigin) => ({
            LATCHKEY_DEPLOYMENT: "cross-site",
            LATCHKEY_COOKIES_PARTITIONED: "false",
            LATCHKEY_TRUSTED_ORIGINS: appOrigin,
          }),
        });
        if (!expected.d1Unpartitioned.kept) {
          await expectCookiesDropped(run, site, fixture, "d1-not-partitioned");
          return;
        }
        const { attacker, session } = await startVisit(fixture, run);
        await checkDeployment(session, {
          mode: artifactName(run.engine.name, "d1-not-partitioned"),
          appUrl: `${site.appOrigin}/`,
          apiOrigin: site.apiOrigin,
          auth: {
            kind: "cookie",
            sessionCookie: "__Host-sessionid",
            cookieDomain: "api.example.net",
            secure: true,
            partitionKey: expected.d1Unpartitioned.partitionKey,
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
  },
};
