import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { configFor, fakeRequest } from "../test-fixtures.test.helper.js";
import { clientIp, isSafeMethod, isSecureRequest, requestOrigin } from "./request-info.js";

const none = configFor();
const oneHop = configFor({ trustProxy: true });
const twoHops = configFor({ trustProxy: 2 });

describe("clientIp", () => {
  it("is the socket peer, and X-Forwarded-For is ignored without trustProxy (a client can write anything there)", () => {
    const req = fakeRequest({ remoteAddress: "10.0.0.1", headers: { "x-forwarded-for": "203.0.113.5" } });
    assert.equal(clientIp(req, none), "10.0.0.1");
  });

  it("with trustProxy, takes the value the nearest trusted proxy appended (counted from the right)", () => {
    const req = fakeRequest({ remoteAddress: "10.0.0.1", headers: { "x-forwarded-for": "6.6.6.6, 203.0.113.5" } });
    assert.equal(clientIp(req, oneHop), "203.0.113.5", "the left value was forged by the client");
    const twice = fakeRequest({
      remoteAddress: "10.0.0.1",
      headers: { "x-forwarded-for": "6.6.6.6, 203.0.113.5, 10.0.0.2" },
    });
    assert.equal(clientIp(twice, twoHops), "203.0.113.5");
    assert.equal(clientIp(twice, oneHop), "10.0.0.2");
  });

  it("with more hops configured than values present, takes the leftmost", () => {
    const req = fakeRequest({ remoteAddress: "10.0.0.1", headers: { "x-forwarded-for": "203.0.113.5" } });
    assert.equal(clientIp(req, twoHops), "203.0.113.5");
  });

  it("falls back to the peer when the header is missing or empty", () => {
    assert.equal(clientIp(fakeRequest({ remoteAddress: "10.0.0.1" }), oneHop), "10.0.0.1");
    assert.equal(
      clientIp(fakeRequest({ remoteAddress: "10.0.0.1", headers: { "x-forwarded-for": "1.2.3.4, " } }), oneHop),
      "10.0.0.1",
    );
  });

  it("unwraps IPv4-mapped IPv6 peers (::ffff:1.2.3.4) to the IPv4 address", () => {
    assert.equal(clientIp(fakeRequest({ remoteAddress: "::ffff:192.0.2.7" }), none), "192.0.2.7");
    assert.equal(clientIp(fakeRequest({ remoteAddress: "2001:db8::1" }), none), "2001:db8::1");
  });
});

describe("isSecureRequest", () => {
  it("follows the socket without trustProxy, ignoring X-Forwarded-Proto", () => {
    assert.equal(isSecureRequest(fakeRequest({ encrypted: true }), none), true);
    assert.equal(isSecureRequest(fakeRequest({ headers: { "x-forwarded-proto": "https" } }), none), false);
  });

  it("with trustProxy, believes the nearest proxy's X-Forwarded-Proto", () => {
    assert.equal(isSecureRequest(fakeRequest({ headers: { "x-forwarded-proto": "https" } }), oneHop), true);
    assert.equal(isSecureRequest(fakeRequest({ headers: { "x-forwarded-proto": "HTTPS" } }), oneHop), true);
    assert.equal(
      isSecureRequest(fakeRequest({ encrypted: true, headers: { "x-forwarded-proto": "http" } }), oneHop),
      false,
    );
    assert.equal(isSecureRequest(fakeRequest({ headers: { "x-forwarded-proto": "https, http" } }), oneHop), false);
    assert.equal(isSecureRequest(fakeRequest({ encrypted: true }), oneHop), true);
  });
});

describe("requestOrigin", () => {
  it("is scheme://host of the request, lower case, without the default port", () => {
    assert.equal(requestOrigin(fakeRequest({ headers: { host: "App.Example.com" } }), none), "http://app.example.com");
    assert.equal(
      requestOrigin(fakeRequest({ headers: { host: "app.example.com:80" } }), none),
      "http://app.example.com",
    );
    assert.equal(
      requestOrigin(fakeRequest({ headers: { host: "app.example.com:443" }, encrypted: true }), none),
      "https://app.example.com",
    );
    assert.equal(
      requestOrigin(fakeRequest({ headers: { host: "app.example.com:443" } }), none),
      "http://app.example.com:443",
    );
    assert.equal(requestOrigin(fakeRequest({ headers: { host: "127.0.0.1:8000" } }), none), "http://127.0.0.1:8000");
    assert.equal(requestOrigin(fakeRequest({ headers: { host: "[::1]:8000" } }), none), "http://[::1]:8000");
  });

  it("is null for a missing or malformed Host", () => {
    assert.equal(requestOrigin(fakeRequest(), none), null);
    for (const host of ["", "evil.example/path", "a b", "user@host", "host\u0000"])
      assert.equal(requestOrigin(fakeRequest({ headers: { host } }), none), null, JSON.stringify(host));
  });

  it("uses X-Forwarded-Host only with trustProxy, and publicOrigin above all", () => {
    const req = fakeRequest({
      headers: { host: "internal:3000", "x-forwarded-host": "app.example.com", "x-forwarded-proto": "https" },
    });
    assert.equal(requestOrigin(req, none), "http://internal:3000");
    assert.equal(requestOrigin(req, oneHop), "https://app.example.com");
    assert.equal(requestOrigin(req, configFor({ publicOrigin: "https://public.example" })), "https://public.example");
  });
});

describe("isSafeMethod", () => {
  it("is true for GET, HEAD and OPTIONS only", () => {
    for (const method of ["GET", "HEAD", "OPTIONS"]) assert.equal(isSafeMethod(method), true);
    for (const method of ["POST", "PUT", "PATCH", "DELETE", "TRACE", "get", "CONNECT"])
      assert.equal(isSafeMethod(method), false, method);
  });
});
