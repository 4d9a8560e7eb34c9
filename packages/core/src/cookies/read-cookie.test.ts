import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readCookie } from "./read-cookie.js";

describe("readCookie", () => {
  it("finds a cookie anywhere in the header", () => {
    assert.equal(readCookie("sessionid=abc", "sessionid"), "abc");
    assert.equal(readCookie("csrftoken=x; sessionid=abc; theme=dark", "sessionid"), "abc");
    assert.equal(readCookie("csrftoken=x;sessionid=abc", "sessionid"), "abc");
  });

  it("takes the first of several cookies with the same name (the browser sends the most specific first)", () => {
    assert.equal(readCookie("sessionid=first; sessionid=second", "sessionid"), "first");
    assert.equal(readCookie("sessionid=; sessionid=second", "sessionid"), "");
  });

  it("does not match a name that merely starts or ends with the name asked for", () => {
    assert.equal(readCookie("xsessionid=bad", "sessionid"), undefined);
    assert.equal(readCookie("sessionidx=bad", "sessionid"), undefined);
    assert.equal(readCookie("xsessionid=bad; sessionidx=bad; sessionid=good", "sessionid"), "good");
    assert.equal(readCookie("other=sessionid=bad; sessionid=good", "sessionid"), "good");
  });

  it("strips surrounding spaces and one pair of double quotes (RFC 6265)", () => {
    assert.equal(readCookie("  sessionid=abc  ", "sessionid"), "abc");
    assert.equal(readCookie('sessionid="abc"', "sessionid"), "abc");
    assert.equal(readCookie('sessionid="', "sessionid"), '"');
    assert.equal(readCookie('sessionid=""', "sessionid"), "");
    assert.equal(readCookie('sessionid="a"b"', "sessionid"), 'a"b');
  });

  it("keeps '=' inside a value and ends a value at ';'", () => {
    assert.equal(readCookie("sessionid=a=b==; next=1", "sessionid"), "a=b==");
    assert.equal(readCookie('sessionid="abc;def"', "sessionid"), '"abc');
  });

  it("answers undefined for a missing cookie, a missing header, an empty header, or a name without '='", () => {
    assert.equal(readCookie(undefined, "sessionid"), undefined);
    assert.equal(readCookie("", "sessionid"), undefined);
    assert.equal(readCookie("csrftoken=x", "sessionid"), undefined);
    assert.equal(readCookie("sessionid", "sessionid"), undefined);
    assert.equal(readCookie("sessionid ; other=1", "sessionid"), undefined);
    assert.equal(readCookie(";;; ;", "sessionid"), undefined);
  });

  it("reads an empty value as the empty string", () => {
    assert.equal(readCookie("sessionid=; other=1", "sessionid"), "");
  });
});
