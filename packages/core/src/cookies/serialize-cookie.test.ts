import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { serializeCookie, type CookieAttributes } from "./serialize-cookie.js";

const NOW = Date.UTC(2030, 0, 1, 12, 0, 0);
const BASE: CookieAttributes = { httpOnly: false, secure: false, sameSite: "lax", domain: null, partitioned: false };

describe("serializeCookie", () => {
  it("always sets Path=/ and SameSite, and nothing else by default", () => {
    assert.equal(serializeCookie("csrftoken", "abc", BASE, NOW), "csrftoken=abc; Path=/; SameSite=Lax");
  });

  it("writes every attribute in a fixed order", () => {
    const line = serializeCookie(
      "sessionid",
      "v",
      { maxAgeSeconds: 60, httpOnly: true, secure: true, sameSite: "strict", domain: "example.com", partitioned: true },
      NOW,
    );
    assert.equal(
      line,
      "sessionid=v; Path=/; Max-Age=60; Expires=Tue, 01 Jan 2030 12:01:00 GMT; Domain=example.com; HttpOnly; Secure; SameSite=Strict; Partitioned",
    );
  });

  it("sends Expires beside Max-Age, computed from the given clock", () => {
    const line = serializeCookie("a", "b", { ...BASE, maxAgeSeconds: 3600 }, NOW);
    assert.match(line, /Max-Age=3600; Expires=Tue, 01 Jan 2030 13:00:00 GMT/);
  });

  it("deletes with Max-Age=0 and an Expires in 1970", () => {
    assert.match(
      serializeCookie("a", "", { ...BASE, maxAgeSeconds: 0 }, NOW),
      /^a=; Path=\/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT/,
    );
  });

  it("rounds a fractional Max-Age down and clamps a negative one to 0", () => {
    assert.match(serializeCookie("a", "b", { ...BASE, maxAgeSeconds: 59.9 }, NOW), /Max-Age=59;/);
    assert.match(serializeCookie("a", "b", { ...BASE, maxAgeSeconds: -5 }, NOW), /Max-Age=0;/);
  });

  it("writes a browser-session cookie (no Max-Age, no Expires) when no lifetime is given", () => {
    const line = serializeCookie("a", "b", { ...BASE, httpOnly: true }, NOW);
    assert.doesNotMatch(line, /Max-Age|Expires/);
  });

  it("spells SameSite=None", () => {
    assert.match(
      serializeCookie("a", "b", { ...BASE, sameSite: "none", secure: true }, NOW),
      /; Secure; SameSite=None$/,
    );
  });
});
