import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { configFor, fakeRequest } from "../test-fixtures.test.helper.js";
import { clearSessionCookie, csrfCookie, sessionCookie } from "./cookie-policy.js";

const NOW = Date.UTC(2030, 0, 1);
const TOKEN = `${"a".repeat(22)}.${"b".repeat(43)}`;

describe("the cookies latchkey sets", () => {
  it("makes the session cookie HttpOnly, SameSite=Lax, Path=/, with Max-Age up to the expiry", () => {
    const line = sessionCookie(fakeRequest(), configFor(), TOKEN, NOW + 90_500, NOW);
    assert.equal(
      line,
      `sessionid=${TOKEN}; Path=/; Max-Age=91; Expires=${new Date(NOW + 91_000).toUTCString()}; HttpOnly; SameSite=Lax`,
    );
  });

  it("leaves the CSRF cookie readable by script, with its own lifetime", () => {
    const line = csrfCookie(fakeRequest(), configFor({ csrf: { cookieMaxAgeSeconds: 600 } }), "s".repeat(32), NOW);
    assert.doesNotMatch(line, /HttpOnly/);
    assert.match(line, /^csrftoken=s{32}; Path=\/; Max-Age=600;/);
  });

  it("adds Secure when the request came over TLS, or through a trusted proxy that says https", () => {
    assert.match(sessionCookie(fakeRequest({ encrypted: true }), configFor(), TOKEN, NOW + 1000, NOW), /; Secure;/);
    assert.doesNotMatch(
      sessionCookie(fakeRequest({ headers: { "x-forwarded-proto": "https" } }), configFor(), TOKEN, NOW + 1000, NOW),
      /Secure/,
    );
    assert.match(
      sessionCookie(
        fakeRequest({ headers: { "x-forwarded-proto": "https" } }),
        configFor({ trustProxy: true }),
        TOKEN,
        NOW + 1000,
        NOW,
      ),
      /; Secure;/,
    );
  });

  it("forces Secure for production, SameSite=None, Partitioned and the __Host- prefix, and drops it with secure: never", () => {
    const plain = fakeRequest();
    assert.match(
      sessionCookie(plain, configFor({ mode: "production" }), TOKEN, NOW + 1000, NOW),
      /^__Host-sessionid=.*; Secure;/,
    );
    assert.match(
      sessionCookie(plain, configFor({ cookies: { sameSite: "none" } }), TOKEN, NOW + 1000, NOW),
      /; Secure; SameSite=None$/,
    );
    assert.match(
      sessionCookie(plain, configFor({ cookies: { partitioned: true } }), TOKEN, NOW + 1000, NOW),
      /; Secure; SameSite=Lax; Partitioned$/,
    );
    assert.match(
      sessionCookie(plain, configFor({ cookies: { hostPrefix: true } }), TOKEN, NOW + 1000, NOW),
      /^__Host-sessionid=.*; Secure;/,
    );
    assert.doesNotMatch(
      sessionCookie(
        fakeRequest({ encrypted: true }),
        configFor({ cookies: { secure: "never" } }),
        TOKEN,
        NOW + 1000,
        NOW,
      ),
      /Secure/,
    );
  });

  it("sends no Max-Age or Expires with expireAtBrowserClose", () => {
    const line = sessionCookie(
      fakeRequest(),
      configFor({ session: { expireAtBrowserClose: true } }),
      TOKEN,
      NOW + 1000,
      NOW,
    );
    assert.doesNotMatch(line, /Max-Age|Expires/);
  });

  it("clears the session cookie with the same attributes and Max-Age=0", () => {
    const config = configFor({ cookies: { domain: "example.com", sameSite: "strict" } });
    assert.equal(
      clearSessionCookie(fakeRequest(), config, NOW),
      "sessionid=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Domain=example.com; HttpOnly; SameSite=Strict",
    );
  });
});
