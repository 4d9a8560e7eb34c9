import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { finishResponse } from "./finished-response.js";

/** The header list as [name, value] pairs, for readable assertions. */
function pairs(headers: readonly string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i < headers.length; i += 2) out.push([headers[i] as string, headers[i + 1] as string]);
  return out;
}

describe("finishResponse()", () => {
  it("writes a JSON answer with charset, its UTF-8 length, nosniff and core's own headers in order", () => {
    const finished = finishResponse(
      { status: 200, headers: { "Cache-Control": "no-store" }, cookies: [], body: { name: "Zoë" } },
      "GET",
    );
    assert.equal(finished.status, 200);
    assert.equal(finished.body, '{"name":"Zoë"}');
    assert.deepEqual(pairs(finished.headers), [
      ["Cache-Control", "no-store"],
      ["X-Content-Type-Options", "nosniff"],
      ["Content-Type", "application/json; charset=utf-8"],
      ["Content-Length", "15"],
    ]);
    assert.equal(finished.close, false);
  });

  it("sends a kept serialisation as it is, with the length counted when it was kept", () => {
    const text = '{"name":"Zoë"}';
    const finished = finishResponse(
      { status: 200, headers: {}, cookies: [], body: { name: "Zoë" }, bodyText: text, bodyLength: "15" },
      "GET",
    );
    assert.equal(finished.body, text);
    assert.deepEqual(pairs(finished.headers).at(-1), ["Content-Length", "15"]);
  });

  it("sends each cookie as its own Set-Cookie, never folded into one", () => {
    const finished = finishResponse(
      { status: 200, headers: {}, cookies: ["sessionid=a; Path=/", "csrftoken=b; Path=/"], body: { detail: "ok" } },
      "POST",
    );
    assert.deepEqual(
      pairs(finished.headers).filter(([name]) => name === "Set-Cookie"),
      [
        ["Set-Cookie", "sessionid=a; Path=/"],
        ["Set-Cookie", "csrftoken=b; Path=/"],
      ],
    );
  });

  it("sends the serialisation core already made as is, instead of serialising the body again", () => {
    const finished = finishResponse(
      {
        status: 200,
        headers: {},
        cookies: [],
        body: { username: "ada" },
        bodyText: '{"username":"ada","cached":true}',
      },
      "GET",
    );
    assert.equal(finished.body, '{"username":"ada","cached":true}');
  });

  it("answers HEAD without a body but with the Content-Length a GET would get", () => {
    const finished = finishResponse({ status: 200, headers: {}, cookies: [], body: { detail: "hello" } }, "HEAD");
    assert.equal(finished.body, null);
    assert.ok(
      pairs(finished.headers).some(
        ([name, value]) => name === "Content-Length" && value === String('{"detail":"hello"}'.length),
      ),
    );
  });

  it("answers 204 with neither body nor Content-Type", () => {
    const finished = finishResponse(
      { status: 204, headers: { Allow: "GET, OPTIONS" }, cookies: [], body: null },
      "OPTIONS",
    );
    assert.equal(finished.body, null);
    assert.deepEqual(pairs(finished.headers), [
      ["Allow", "GET, OPTIONS"],
      ["X-Content-Type-Options", "nosniff"],
    ]);
  });

  it("closes the connection after a 413, whose unread body must not be parsed as the next request", () => {
    const finished = finishResponse(
      { status: 413, headers: {}, cookies: [], body: { detail: "too large", code: "body_too_large" } },
      "POST",
    );
    assert.equal(finished.close, true);
    assert.ok(pairs(finished.headers).some(([name, value]) => name === "Connection" && value === "close"));
  });

  it("closes the connection when the response asks for it, and not otherwise", () => {
    assert.equal(
      finishResponse({ status: 400, headers: {}, cookies: [], body: { detail: "bad" }, close: true }, "GET").close,
      true,
    );
    const open = finishResponse({ status: 400, headers: {}, cookies: [], body: { detail: "bad" } }, "GET");
    assert.equal(open.close, false);
    assert.ok(!open.headers.includes("Connection"));
  });
});
