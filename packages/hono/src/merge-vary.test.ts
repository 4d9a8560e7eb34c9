import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { mergeVary } from "./merge-vary.js";

describe("mergeVary()", () => {
  it("is latchkey's value alone when the app set none, or an empty one", () => {
    assert.equal(mergeVary(undefined, "Origin"), "Origin");
    assert.equal(mergeVary(" , ", "Origin"), "Origin");
  });

  it("keeps the app's fields, in its order and spelling, and adds latchkey's after them", () => {
    assert.equal(mergeVary("Accept-Encoding,  Accept-Language", "Origin"), "Accept-Encoding, Accept-Language, Origin");
  });

  it("names a field once, compared without case", () => {
    assert.equal(mergeVary("accept, ORIGIN", "Origin"), "accept, ORIGIN");
  });

  it("answers * when either side varies on everything", () => {
    assert.equal(mergeVary("*", "Origin"), "*");
    assert.equal(mergeVary("Accept", "*"), "*");
  });
});
