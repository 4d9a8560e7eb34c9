import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError } from "../errors.js";
import { unusedStores } from "../test-fixtures.test.helper.js";
import type { LatchkeyOptions } from "./options.js";
import { resolveConfig } from "./resolve-config.js";

const APP = "https://app.example.com";

function resolve(options: Omit<LatchkeyOptions, "stores">) {
  return resolveConfig({ ...options, stores: unusedStores() }).config;
}

/** The problems resolveConfig reports (fails if it accepts the options). */
function problemsOf(options: Record<string, unknown>): readonly string[] {
  try {
    resolveConfig({ stores: unusedStores(), ...options } as LatchkeyOptions);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.problems;
  }
  assert.fail(`accepted ${JSON.stringify(options)}`);
}

function assertRefused(options: Record<string, unknown>, pattern: RegExp): void {
  const problems = problemsOf(options);
  assert.ok(
    problems.some((p) => pattern.test(p)),
    `expected a problem matching ${String(pattern)}, got:\n${problems.join("\n")}`,
  );
}

describe("deployment presets: the settings each one resolves to", () => {
  it("same-origin: Lax first-party cookies, no CORS, no proxy trust", () => {
    const config = resolve({ deployment: "same-origin" });
    assert.equal(config.deployment, "same-origin");
    assert.deepEqual(
      [config.cookies.sameSite, config.cookies.partitioned, config.cookies.secure],
      ["lax", false, "auto"],
    );
    assert.equal(config.cors.enabled, false);
    assert.equal(config.trustProxy, 0);
    assert.equal(config.csrf.mode, "origin+token");
  });

  it("reverse-proxy: as same-origin, and one trusted proxy", () => {
    const config = resolve({ deployment: "reverse-proxy" });
    assert.deepEqual([config.cookies.sameSite, config.cookies.partitioned], ["lax", false]);
    assert.equal(config.cors.enabled, false);
    assert.equal(config.trustProxy, 1);
    assert.equal(resolve({ deployment: "reverse-proxy", trustProxy: 2 }).trustProxy, 2, "an explicit hop count wins");
  });

  it("same-site: Lax cookies, CORS with credentials for the trusted origins", () => {
    const config = resolve({ deployment: "same-site", trustedOrigins: [APP] });
    assert.deepEqual([config.cookies.sameSite, config.cookies.partitioned], ["lax", false]);
    assert.equal(config.cors.enabled, true);
    assert.deepEqual([...config.trustedOrigins], [APP]);
  });

  it("cross-site: SameSite=None, always Secure, Partitioned, CORS on", () => {
    const config = resolve({ deployment: "cross-site", trustedOrigins: [APP], mode: "production" });
    assert.deepEqual(
      [config.cookies.sameSite, config.cookies.secure, config.cookies.partitioned],
      ["none", "always", true],
    );
    assert.equal(config.cors.enabled, true);
    assert.equal(
      resolve({ deployment: "cross-site", trustedOrigins: [APP], cookies: { partitioned: false } }).cookies.partitioned,
      false,
      "unpartitioned (D2) stays possible",
    );
  });

  it("cross-site-token: bearer tokens on, CORS on, cookies left first-party", () => {
    const config = resolve({ deployment: "cross-site-token", trustedOrigins: [APP] });
    assert.equal(config.bearer.enabled, true);
    assert.equal(config.cors.enabled, true);
    assert.deepEqual([config.cookies.sameSite, config.cookies.partitioned], ["lax", false]);
  });

  it("changes nothing without a preset", () => {
    const config = resolve({});
    assert.equal(config.deployment, null);
    assert.equal(config.cors.enabled, true);
    assert.equal(config.trustProxy, 0);
  });
});

describe("deployment presets: refusing at start-up what cannot work, with the fix", () => {
  it("refuses an unknown preset, naming the valid ones", () => {
    assertRefused(
      { deployment: "cross-origin" },
      /^deployment: must be one of "same-origin", "reverse-proxy", "same-site", "cross-site", "cross-site-token"/,
    );
  });

  it("refuses same-site, cross-site and cross-site-token without trusted origins", () => {
    for (const deployment of ["same-site", "cross-site", "cross-site-token"]) {
      assertRefused(
        { deployment },
        /^trustedOrigins: deployment "[a-z-]+" serves an SPA on another origin, which needs its origin in trustedOrigins .*e\.g\. \["https:\/\/app\.example\.com"\]/,
      );
    }
  });

  it("refuses cross-site with cookies that are not SameSite=None", () => {
    assertRefused(
      { deployment: "cross-site", trustedOrigins: [APP], cookies: { sameSite: "lax" } },
      /^cookies\.sameSite: deployment "cross-site" needs "none": browsers do not send "lax" cookies .*Remove cookies\.sameSite/,
    );
  });

  it("refuses cross-site without HTTPS: cookies not always Secure, or a plain-http public origin", () => {
    assertRefused(
      { deployment: "cross-site", trustedOrigins: [APP], cookies: { secure: "never" } },
      /^cookies\.secure: deployment "cross-site" needs "always": .*served over HTTPS/,
    );
    assertRefused(
      { deployment: "cross-site", trustedOrigins: [APP], cookies: { secure: "auto" } },
      /^cookies\.secure: deployment "cross-site" needs "always"/,
    );
    assertRefused(
      { deployment: "cross-site", trustedOrigins: [APP], publicOrigin: "http://api.example.net" },
      /^publicOrigin: deployment "cross-site" needs HTTPS, .*Serve the API over https:\/\//,
    );
  });

  it("refuses Partitioned where it cannot help: one origin, one site, or no cookies", () => {
    assertRefused(
      { deployment: "same-origin", cookies: { partitioned: true } },
      /^cookies\.partitioned: Partitioned cannot help with deployment "same-origin": .*first-party.*Remove cookies\.partitioned/,
    );
    assertRefused(
      { deployment: "reverse-proxy", cookies: { partitioned: true } },
      /^cookies\.partitioned: Partitioned cannot help with deployment "reverse-proxy"/,
    );
    assertRefused(
      { deployment: "same-site", trustedOrigins: [APP], cookies: { partitioned: true } },
      /^cookies\.partitioned: Partitioned cannot help with deployment "same-site"/,
    );
    assertRefused(
      { deployment: "cross-site-token", trustedOrigins: [APP], cookies: { partitioned: true } },
      /^cookies\.partitioned: .*token mode sends no cookies/,
    );
  });

  it("refuses reverse-proxy with the proxy untrusted", () => {
    for (const trustProxy of [false, 0])
      assertRefused(
        { deployment: "reverse-proxy", trustProxy },
        /^trustProxy: deployment "reverse-proxy" needs the proxy trusted .*Set trustProxy to the number of proxies in front/,
      );
  });

  it("refuses cross-site-token with bearer tokens turned off", () => {
    assertRefused(
      { deployment: "cross-site-token", trustedOrigins: [APP], bearer: { enabled: false } },
      /^bearer\.enabled: deployment "cross-site-token" logs in with bearer tokens/,
    );
  });

  it("refuses SameSite=None on a single origin, where it only exposes the cookies", () => {
    assertRefused(
      { deployment: "same-origin", cookies: { sameSite: "none", secure: "always" } },
      /^cookies\.sameSite: "none" is not needed with deployment "same-origin"/,
    );
  });
});
