import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { LatchkeyOptions } from "../config/options.js";
import { configFor, fakeRequest } from "../test-fixtures.test.helper.js";
import { checkOrigin } from "./origin-check.js";

interface Row {
  /** What the row is, with Django's row number (security-anchors §2.2) where one applies. */
  name: string;
  headers: Record<string, string>;
  encrypted?: boolean;
  options?: Omit<LatchkeyOptions, "stores">;
  failClosed?: boolean;
  /** null: passes on to the token check; else the refusal code. */
  expect: null | "csrf_cross_site" | "csrf_origin_untrusted" | "csrf_referer_untrusted" | "csrf_origin_missing";
}

const HOST = { host: "app.example.com" };

const TABLE: Row[] = [
  {
    name: "Sec-Fetch-Site: same-origin (set by the browser, not forgeable by a page)",
    headers: { ...HOST, "sec-fetch-site": "same-origin" },
    expect: null,
  },
  {
    name: "4a: Origin equals the request's own scheme://host",
    headers: { ...HOST, origin: "http://app.example.com" },
    expect: null,
  },
  { name: "4a: Origin in another letter case", headers: { ...HOST, origin: "HTTP://App.Example.COM" }, expect: null },
  {
    name: "4a: Host with the default port, Origin without",
    headers: { host: "app.example.com:80", origin: "http://app.example.com" },
    expect: null,
  },
  {
    name: "4a: HTTPS, Host with :443",
    headers: { host: "app.example.com:443", origin: "https://app.example.com" },
    encrypted: true,
    expect: null,
  },
  {
    name: "4b: Origin in trustedOrigins",
    headers: { ...HOST, origin: "http://localhost:5173", "sec-fetch-site": "cross-site" },
    options: { trustedOrigins: ["http://localhost:5173"] },
    expect: null,
  },
  {
    name: "4c: Origin on the wrong scheme",
    headers: { ...HOST, origin: "https://app.example.com" },
    expect: "csrf_origin_untrusted",
  },
  {
    name: "4c: Origin on the wrong port",
    headers: { ...HOST, origin: "http://app.example.com:8080" },
    expect: "csrf_origin_untrusted",
  },
  { name: "4c: Origin: null", headers: { ...HOST, origin: "null" }, expect: "csrf_origin_untrusted" },
  {
    name: "4c: Origin: null even with trusted origins configured",
    headers: { ...HOST, origin: "null" },
    options: { trustedOrigins: ["http://localhost:5173"] },
    expect: "csrf_origin_untrusted",
  },
  { name: "4c: an unparsable Origin", headers: { ...HOST, origin: "not a url" }, expect: "csrf_origin_untrusted" },
  {
    name: "4c: a look-alike Origin (own host as a subdomain of another)",
    headers: { ...HOST, origin: "http://app.example.com.evil.example" },
    expect: "csrf_origin_untrusted",
  },
  {
    name: "4c: a subdomain of a trusted origin (no wildcards)",
    headers: { ...HOST, origin: "http://sub.localhost:5173" },
    options: { trustedOrigins: ["http://localhost:5173"] },
    expect: "csrf_origin_untrusted",
  },
  {
    name: "4c + fetch metadata: untrusted Origin marked cross-site",
    headers: { ...HOST, origin: "http://evil.example", "sec-fetch-site": "cross-site" },
    expect: "csrf_cross_site",
  },
  {
    name: "4c + fetch metadata: untrusted Origin marked same-site (a sibling subdomain)",
    headers: { ...HOST, origin: "http://other.example.com", "sec-fetch-site": "same-site" },
    expect: "csrf_cross_site",
  },
  { name: "5: no Origin, no Referer, plain HTTP: the token check decides", headers: HOST, expect: null },
  {
    name: "6a (deviation): no Origin, no Referer, HTTPS: the token check decides",
    headers: HOST,
    encrypted: true,
    expect: null,
  },
  {
    name: "no Origin, no Referer, no fetch metadata, failClosed (csrf.mode origin)",
    headers: HOST,
    failClosed: true,
    expect: "csrf_origin_missing",
  },
  { name: "6b: a malformed Referer", headers: { ...HOST, referer: "::not a url::" }, expect: "csrf_referer_untrusted" },
  {
    name: "6b: a Referer that is not http(s)",
    headers: { ...HOST, referer: "file:///etc/passwd" },
    expect: "csrf_referer_untrusted",
  },
  {
    name: "6d: a Referer on a trusted origin",
    headers: { ...HOST, referer: "http://localhost:5173/page" },
    options: { trustedOrigins: ["http://localhost:5173"] },
    expect: null,
  },
  {
    name: "6e: a Referer on the request's own origin",
    headers: { ...HOST, referer: "http://app.example.com/some/page?x=1" },
    expect: null,
  },
  {
    name: "6e: a Referer from another site",
    headers: { ...HOST, referer: "http://evil.example/page" },
    expect: "csrf_referer_untrusted",
  },
  {
    name: "Sec-Fetch-Site: cross-site without Origin",
    headers: { ...HOST, "sec-fetch-site": "cross-site" },
    expect: "csrf_cross_site",
  },
  {
    name: "Sec-Fetch-Site: same-site without Origin",
    headers: { ...HOST, "sec-fetch-site": "same-site" },
    expect: "csrf_cross_site",
  },
  {
    name: "Sec-Fetch-Site: none (the user's own navigation)",
    headers: { ...HOST, "sec-fetch-site": "none" },
    expect: null,
  },
  {
    name: "publicOrigin: compared instead of the Host header",
    headers: { host: "internal:3000", origin: "https://app.example.com" },
    options: { publicOrigin: "https://app.example.com" },
    expect: null,
  },
  {
    name: "publicOrigin: the internal Host's origin is then not trusted",
    headers: { host: "internal:3000", origin: "http://internal:3000" },
    options: { publicOrigin: "https://app.example.com" },
    expect: "csrf_origin_untrusted",
  },
  {
    name: "trustProxy: X-Forwarded-Host and -Proto give the origin",
    headers: {
      host: "internal:3000",
      "x-forwarded-host": "app.example.com",
      "x-forwarded-proto": "https",
      origin: "https://app.example.com",
    },
    options: { trustProxy: true },
    expect: null,
  },
  {
    name: "no trustProxy: X-Forwarded-Host and -Proto are ignored (a client could forge them)",
    headers: {
      host: "internal:3000",
      "x-forwarded-host": "evil.example",
      "x-forwarded-proto": "https",
      origin: "https://evil.example",
    },
    expect: "csrf_origin_untrusted",
  },
  {
    name: "a Host header with characters no host has",
    headers: { host: "app.example.com/x", origin: "http://app.example.com/x" },
    expect: "csrf_origin_untrusted",
  },
  { name: "no Host header at all", headers: { origin: "http://app.example.com" }, expect: "csrf_origin_untrusted" },
];

describe("the CSRF Origin check, row by row (Django's decision table where it applies)", () => {
  for (const row of TABLE) {
    it(`${row.expect === null ? "passes" : `refuses (${row.expect})`}: ${row.name}`, () => {
      const req = fakeRequest({ headers: row.headers, encrypted: row.encrypted ?? false });
      const error = checkOrigin(req, configFor(row.options ?? {}), { failClosed: row.failClosed ?? false });
      assert.equal(error?.code ?? null, row.expect);
      if (error !== null) {
        assert.equal(error.status, 403);
        assert.match(error.detail, /^CSRF Failed: /);
      }
    });
  }

  it("names the refused origin in the detail", () => {
    const error = checkOrigin(fakeRequest({ headers: { ...HOST, origin: "http://evil.example" } }), configFor());
    assert.equal(
      error?.detail,
      "CSRF Failed: Origin checking failed - http://evil.example does not match any trusted origins.",
    );
  });
});
