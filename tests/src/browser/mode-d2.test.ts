// Deployment mode D, cross site, in a browser that allows third-party cookies (SPEC §5):
// https://app.example.test calls https://api.example.net with SameSite=None; Secure cookies,
// not partitioned. This Chromium blocks third-party cookies by default; it allows them with a
// profile whose preferences say so (cookie_controls_mode 0), the per-launch equivalent of a
// user turning "Block third-party cookies" off. Nothing machine-wide is changed.
import { describe, it } from "node:test";
import { startAttackerSite } from "./harness/attacker.js";
import { browserTestSkip, launchWithThirdPartyCookies } from "./harness/browser.js";
import { createFixture } from "./harness/fixture.js";
import { checkDeployment } from "./harness/flow.js";
import { startTwoOriginSite } from "./harness/https-site.js";

describe("deployment mode D2: cross site, third-party cookies allowed", { skip: browserTestSkip("chromium", "nginx", "openssl") }, () => {
  it("D2: SameSite=None; Secure cookies of https://api.example.net work for the SPA on https://app.example.test when the browser allows third-party cookies", async () => {
    const fixture = createFixture("d2");
    try {
      // The configuration of docs/deployment.md, mode D2.
      const site = await startTwoOriginSite(fixture, {
        appHost: "app.example.test",
        apiHost: "api.example.net",
        apiEnv: (appOrigin) => ({ LATCHKEY_TRUSTED_ORIGINS: appOrigin, LATCHKEY_COOKIES_SAME_SITE: "none" }),
      });
      const attacker = await startAttackerSite();
      fixture.defer(() => attacker.close());
      // One browser with its own profile for this test (launchPersistentContext is browser
      // and context in one): a fresh profile folder inside the fixture.
      const context = await launchWithThirdPartyCookies(fixture.folder("profile"));
      fixture.defer(() => context.close());
      await checkDeployment(context, {
        mode: "d2",
        appUrl: `${site.appOrigin}/`,
        apiOrigin: site.apiOrigin,
        auth: { kind: "cookie", sessionCookie: "__Host-sessionid", cookieDomain: "api.example.net", secure: true, partitionKey: null, csrfCookieReadable: false },
        attacker,
        server: site.api,
        helloRoute: false,
      });
    } finally {
      await fixture.cleanup();
    }
  });
});
