import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createPooledRandom } from "./pooled-random.js";

/** A source whose n-th call writes n into every byte, recording each call's length. */
function numberedSource(): { source: (bytes: Uint8Array) => void; calls: number[] } {
  const calls: number[] = [];
  return {
    calls,
    source: (bytes) => {
      calls.push(bytes.length);
      bytes.fill(calls.length);
    },
  };
}

describe("createPooledRandom()", () => {
  it("serves small fills from one CSPRNG call of 4,096 bytes", () => {
    const { source, calls } = numberedSource();
    const random = createPooledRandom(source);
    for (let i = 0; i < 4096 / 32; i++) assert.deepEqual(random.fill(new Uint8Array(32)), new Uint8Array(32).fill(1));
    assert.deepEqual(calls, [4096]);
  });

  it("fetches a fresh pool when the rest of the pool is too short, never handing out a byte twice", () => {
    const { source, calls } = numberedSource();
    const random = createPooledRandom(source);
    for (let i = 0; i < 4096 / 64 - 1; i++) random.fill(new Uint8Array(64));
    // 64 bytes are left: a request of 100 takes them from a new pool, never from the old one again.
    assert.deepEqual(random.fill(new Uint8Array(100)), new Uint8Array(100).fill(2));
    assert.deepEqual(calls, [4096, 4096]);
  });

  it("fills requests larger than 256 bytes straight from the CSPRNG", () => {
    const { source, calls } = numberedSource();
    const random = createPooledRandom(source);
    assert.deepEqual(random.fill(new Uint8Array(1000)), new Uint8Array(1000).fill(1));
    assert.deepEqual(calls, [1000]);
  });

  it("never gives two session secrets the same bytes from the real CSPRNG", () => {
    const random = createPooledRandom();
    const seen = new Set<string>();
    for (let i = 0; i < 10_000; i++) seen.add(Buffer.from(random.fill(new Uint8Array(32))).toString("hex"));
    assert.equal(seen.size, 10_000);
  });
});
