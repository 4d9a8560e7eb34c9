import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createParseCache } from "./parse-cache.js";

/** A parse that records each string it was asked to parse. */
function countingParse(): { parse: (encoded: string) => { encoded: string } | null; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    parse: (encoded) => {
      calls.push(encoded);
      return encoded.startsWith("ok") ? { encoded } : null;
    },
  };
}

describe("createParseCache()", () => {
  it("parses a string once and answers later calls with the same value", () => {
    const { parse, calls } = countingParse();
    const cached = createParseCache(parse, 10);
    const first = cached("ok-1");
    assert.equal(cached("ok-1"), first);
    assert.deepEqual(first, { encoded: "ok-1" });
    assert.deepEqual(calls, ["ok-1"]);
  });

  it("keeps malformed strings' null too, so they are not parsed again", () => {
    const { parse, calls } = countingParse();
    const cached = createParseCache(parse, 10);
    assert.equal(cached("bad"), null);
    assert.equal(cached("bad"), null);
    assert.deepEqual(calls, ["bad"]);
  });

  it("holds at most `limit` entries and forgets the least recently used first", () => {
    const { parse, calls } = countingParse();
    const cached = createParseCache(parse, 2);
    cached("ok-a");
    cached("ok-b");
    cached("ok-a"); // a is now the most recently used
    cached("ok-c"); // evicts b
    calls.length = 0;
    cached("ok-a");
    cached("ok-c");
    assert.deepEqual(calls, [], "a and c are still kept");
    cached("ok-b");
    assert.deepEqual(calls, ["ok-b"], "b was forgotten and is parsed again");
  });

  it("keeps nothing with a limit of 0", () => {
    const { parse, calls } = countingParse();
    const cached = createParseCache(parse, 0);
    cached("ok-1");
    cached("ok-1");
    assert.deepEqual(calls, ["ok-1", "ok-1"]);
  });
});
