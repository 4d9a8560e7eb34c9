import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { LatchkeyOptions } from "../config/options.js";
import { resolveConfig } from "../config/resolve-config.js";
import { ConfigError } from "../errors.js";
import { fakeRequest, unusedStores } from "../test-fixtures.test.helper.js";
import { API_SECURITY_HEADERS, strictTransportSecurity, withSecurityHeaders } from "./security-headers.js";

function configOf(options: Omit<LatchkeyOptions, "stores">) {
  return resolveConfig({ ...options, stores: unusedStores() }).config;
}

describe("the hsts and clearSiteDataOnLogout settings", () => {
  it("turn HSTS on in production only, one year, without includeSubDomains or preload", () => {
    assert.equal(configOf({}).hsts.enabled, false);
    assert.deepEqual(configOf({ mode: "production" }).hsts, {
      enabled: true,
      maxAgeSeconds: 31_536_000,
      includeSubDomains: false,
      preload: false,
      header: "max-age=31536000",
    });
  });

  it('clear "cache" and "cookies" on logout by default, and nothing when given []', () => {
    assert.equal(configOf({}).clearSiteDataOnLogout, '"cache", "cookies"');
    assert.equal(
      configOf({ clearSiteDataOnLogout: ["cache", "storage", "cache"] }).clearSiteDataOnLogout,
      '"cache", "storage"',
    );
    assert.equal(configOf({ clearSiteDataOnLogout: [] }).clearSiteDataOnLogout, null);
  });

  it("refuse preload without includeSubDomains and a year, and unknown Clear-Site-Data directives", () => {
    for (const options of [
      { hsts: { preload: true } },
      { hsts: { preload: true, includeSubDomains: true, maxAgeSeconds: 600 } },
      { clearSiteDataOnLogout: ["*"] },
      { hsts: { maxAgeSeconds: -1 } },
    ]) {
      assert.throws(
        () => resolveConfig({ stores: unusedStores(), ...options } as LatchkeyOptions),
        ConfigError,
        JSON.stringify(options),
      );
    }
  });
});

describe("strictTransportSecurity()", () => {
  const production = configOf({ mode: "production", trustProxy: 1 });

  it("answers the header over TLS and over a trusted proxy's https, never over plain http", () => {
    assert.equal(strictTransportSecurity(fakeRequest({ encrypted: true }), production), "max-age=31536000");
    assert.equal(
      strictTransportSecurity(fakeRequest({ headers: { "x-forwarded-proto": "https" } }), production),
      "max-age=31536000",
    );
    assert.equal(strictTransportSecurity(fakeRequest({}), production), null);
    assert.equal(strictTransportSecurity(fakeRequest({ encrypted: true }), configOf({})), null, "off in development");
  });
});

describe("withSecurityHeaders()", () => {
  it("adds every header of API_SECURITY_HEADERS, with its value, and keeps the answer's own", () => {
    const response = { status: 200, headers: { "Cache-Control": "no-store" }, cookies: [], body: null };
    const headers = withSecurityHeaders(response, fakeRequest({}), configOf({})).headers;
    assert.deepEqual(headers, { "Cache-Control": "no-store", ...API_SECURITY_HEADERS });
  });

  it("adds HSTS over TLS in production", () => {
    const response = { status: 200, headers: {}, cookies: [], body: null };
    const headers = withSecurityHeaders(
      response,
      fakeRequest({ encrypted: true }),
      configOf({ mode: "production" }),
    ).headers;
    assert.deepEqual(headers, { ...API_SECURITY_HEADERS, "Strict-Transport-Security": "max-age=31536000" });
  });
});
