import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { HttpError } from "./errors.js";

describe("HttpError", () => {
  it("is an Error with the catalogue's status, code and text", () => {
    const error = new HttpError("method_not_allowed", { method: "PUT" }, { headers: { Allow: "GET" } });
    assert.ok(error instanceof Error);
    assert.equal(error.name, "HttpError");
    assert.equal(error.status, 405);
    assert.equal(error.code, "method_not_allowed");
    assert.match(error.message, /PUT/);
    assert.equal(error.message, error.detail);
    assert.deepEqual(error.headers, { Allow: "GET" });
  });

  it("carries no stack frames: a refusal is an answer, not a fault", () => {
    const error = new HttpError("not_authenticated");
    assert.equal(error.stack, `HttpError: ${error.detail}`);
  });

  it("leaves the process's stack trace limit as it found it, so every other error keeps its stack", () => {
    const before = Error.stackTraceLimit;
    Error.stackTraceLimit = 17;
    try {
      new HttpError("not_authenticated");
      assert.equal(Error.stackTraceLimit, 17);
      const other = new Error("a real fault");
      assert.match(other.stack ?? "", /\n\s+at /);
    } finally {
      Error.stackTraceLimit = before;
    }
  });
});
