import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cryptoRandom } from "../ports/world.js";
import { configFor, fakeRequest } from "../test-fixtures.test.helper.js";
import { checkCsrfToken, csrfSecretFromCookie } from "./csrf-check.js";
import { generateCsrfSecret, maskCsrfSecret } from "./csrf-token.js";

const SECRET = generateCsrfSecret(cryptoRandom);
const OTHER = generateCsrfSecret(cryptoRandom);
const config = configFor();

function request(headers: Record<string, string>) {
  return fakeRequest({ headers: { host: "app.example.com", origin: "http://app.example.com", ...headers } });
}

function codeOf(headers: Record<string, string>, formToken?: string): string | null {
  return checkCsrfToken(request(headers), config, { formToken })?.code ?? null;
}

describe("the CSRF token check (Django rows 7a-7f)", () => {
  it("7a/7b: refuses a missing or malformed CSRF cookie as 'cookie not set'", () => {
    const token = maskCsrfSecret(SECRET, cryptoRandom);
    assert.equal(codeOf({ "x-csrftoken": token }), "csrf_cookie_missing");
    assert.equal(codeOf({ cookie: "csrftoken=short", "x-csrftoken": token }), "csrf_cookie_missing");
    assert.equal(codeOf({ cookie: `csrftoken=${"!".repeat(32)}`, "x-csrftoken": token }), "csrf_cookie_missing");
  });

  it("7c: refuses a missing or empty token", () => {
    assert.equal(codeOf({ cookie: `csrftoken=${SECRET}` }), "csrf_token_missing");
    assert.equal(codeOf({ cookie: `csrftoken=${SECRET}`, "x-csrftoken": "" }), "csrf_token_missing");
  });

  it("7d/7e: refuses a token of the wrong length or with other characters, naming where it came from", () => {
    const header = checkCsrfToken(request({ cookie: `csrftoken=${SECRET}`, "x-csrftoken": "abc" }), config);
    assert.equal(header?.code, "csrf_token_malformed");
    assert.match(header?.detail ?? "", /the 'X-CSRFToken' HTTP header/);
    assert.equal(
      codeOf({ cookie: `csrftoken=${SECRET}`, "x-csrftoken": `${SECRET.slice(0, 31)}-` }),
      "csrf_token_malformed",
    );
    const form = checkCsrfToken(request({ cookie: `csrftoken=${SECRET}` }), config, { formToken: "abc" });
    assert.equal(form?.code, "csrf_token_malformed");
    assert.match(form?.detail ?? "", /from POST/);
  });

  it("7f: refuses a well-formed token for another secret", () => {
    assert.equal(
      codeOf({ cookie: `csrftoken=${SECRET}`, "x-csrftoken": maskCsrfSecret(OTHER, cryptoRandom) }),
      "csrf_token_incorrect",
    );
    assert.equal(codeOf({ cookie: `csrftoken=${SECRET}`, "x-csrftoken": OTHER }), "csrf_token_incorrect");
  });

  it("8: accepts a masked token, the bare secret, and the form field", () => {
    assert.equal(codeOf({ cookie: `csrftoken=${SECRET}`, "x-csrftoken": maskCsrfSecret(SECRET, cryptoRandom) }), null);
    assert.equal(codeOf({ cookie: `csrftoken=${SECRET}`, "x-csrftoken": SECRET }), null);
    assert.equal(codeOf({ cookie: `csrftoken=${SECRET}` }, maskCsrfSecret(SECRET, cryptoRandom)), null);
  });

  it("prefers the header over the form field", () => {
    assert.equal(codeOf({ cookie: `csrftoken=${SECRET}`, "x-csrftoken": OTHER }, SECRET), "csrf_token_incorrect");
  });

  it("unmasks a 64-character cookie as older Django versions wrote it", () => {
    const legacy = maskCsrfSecret(SECRET, cryptoRandom);
    assert.equal(csrfSecretFromCookie(request({ cookie: `csrftoken=${legacy}` }), config), SECRET);
    assert.equal(codeOf({ cookie: `csrftoken=${legacy}`, "x-csrftoken": maskCsrfSecret(SECRET, cryptoRandom) }), null);
  });

  it("uses the configured cookie and header names", () => {
    const custom = configFor({ csrf: { cookieName: "XSRF-TOKEN", headerName: "X-XSRF-TOKEN" } });
    const req = request({ cookie: `XSRF-TOKEN=${SECRET}`, "x-xsrf-token": maskCsrfSecret(SECRET, cryptoRandom) });
    assert.equal(checkCsrfToken(req, custom), null);
    assert.equal(
      checkCsrfToken(request({ cookie: `csrftoken=${SECRET}`, "x-csrftoken": SECRET }), custom)?.code,
      "csrf_cookie_missing",
    );
  });

  it("with tokenOptional, lets a request without any token through but still checks one that is sent", () => {
    assert.equal(checkCsrfToken(request({}), config, { tokenOptional: true }), null);
    assert.equal(
      checkCsrfToken(request({ cookie: `csrftoken=${SECRET}`, "x-csrftoken": OTHER }), config, { tokenOptional: true })
        ?.code,
      "csrf_token_incorrect",
    );
  });
});
