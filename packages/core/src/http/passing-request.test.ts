import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createPassingRequest } from "./passing-request.js";
import type { LatchkeyRequest } from "./request.js";

function wrapper(path: string): LatchkeyRequest {
  return {
    method: "GET",
    path,
    header: () => undefined,
    remoteAddress: "127.0.0.1",
    encrypted: false,
    readBody: async () => new Uint8Array(0),
  };
}

describe("createPassingRequest", () => {
  it("gives a request's wrapper only to that request, and only while its next() runs", () => {
    const passing = createPassingRequest<object>();
    const mine = {};
    const other = {};
    const own = wrapper("/api/hello/");
    const seen = passing.pass(mine, own, () => [passing.wrapperOf(mine), passing.wrapperOf(other)]);
    assert.deepEqual(seen, [own, null]);
    assert.equal(passing.wrapperOf(mine), null);
  });

  it("forgets the wrapper when next() throws, so a later guard never sees it", () => {
    const passing = createPassingRequest<object>();
    const mine = {};
    assert.throws(() =>
      passing.pass(mine, wrapper("/api/hello/"), () => {
        throw new Error("route failed");
      }),
    );
    assert.equal(passing.wrapperOf(mine), null);
  });

  it("returns what next() returns (a framework's promise, unchanged)", async () => {
    const passing = createPassingRequest<object>();
    const downstream = Promise.resolve("answered");
    assert.equal(
      passing.pass({}, wrapper("/"), () => downstream),
      downstream,
    );
    assert.equal(await downstream, "answered");
  });
});
