// Deployment mode D, cross site, in a browser that allows third-party cookies (SPEC §5):
// https://app.example.test calls https://api.example.net with SameSite=None; Secure cookies,
// not partitioned. Every engine blocks or partitions third-party cookies by default; each is
// launched here the way a user turns that off, nothing machine-wide is changed:
//   Chromium: a profile whose preferences say cookie_controls_mode 0 (no switch or CDP call does it);
//   Firefox:  network.cookie.cookieBehavior 0 ("Custom → Cookies: none blocked");
//   WebKit:   MiniBrowser --cookies-policy=always (WebKitGTK's WEBKIT_COOKIE_POLICY_ACCEPT_ALWAYS).
import { it } from "node:test";
import { createFixture } from "../harness/fixture.js";
import { artifactName, type EngineChecks } from "../harness/engines/index.js";
import { checkDeployment } from "../harness/flow.js";
import { startTwoOriginSite } from "../harness/https-site.js";
import { startVisit } from "../harness/visit.js";

/** mode-d2: the shared description of these checks, run in each engine by browser/<engine>/mode-d2.test.ts. */
export const MODE_D2: EngineChecks = {
  title: "deployment mode D2: cross site, third-party cookies allowed",
  programs: ["nginx", "openssl"],
  thirdPartyCookies: true,
  define(run) {
    it("D2: SameSite=None; Secure cookies of https://api.example.net work for the SPA on https://app.example.test when the browser allows third-party cookies", async () => {
      const fixture = createFixture("d2");
      try {
        // The configuration of docs/deployment.md, mode D2.
        const site = await startTwoOriginSite(fixture, {
          appHost: "app.example.test",
          apiHost: "api.example.net",
          apiEnv: (appOrigin) => ({
            LATCHKEY_DEPLOYMENT: "cross-site",
            LATCHKEY_COOKIES_PARTITIONED: "false",
            LATCHKEY_TRUSTED_ORIGINS: appOrigin,
          }),
        });
        const { attacker, session } = await startVisit(fixture, run);
        await checkDeployment(session, {
          mode: artifactName(run.engine.name, "d2"),
          appUrl: `${site.appOrigin}/`,
          apiOrigin: site.apiOrigin,
          auth: {
            kind: "cookie",
            sessionCookie: "__Host-sessionid",
            cookieDomain: "api.example.net",
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
  },
};
