import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { childNodeFlags, wantsMemoryTunedServe } from "./memory-tuned-serve.js";

describe("the memory-tuned start of latchkey serve", () => {
  it("is used for serve on Linux when the operator has not set MALLOC_ARENA_MAX", () => {
    assert.equal(wantsMemoryTunedServe(["serve", "--port", "0"], {}, "linux"), true);
  });

  it("is not used for other commands, for serve --help, elsewhere than Linux, or when MALLOC_ARENA_MAX is set", () => {
    assert.equal(wantsMemoryTunedServe(["migrate"], {}, "linux"), false);
    assert.equal(wantsMemoryTunedServe(["serve", "--help"], {}, "linux"), false);
    assert.equal(wantsMemoryTunedServe(["serve"], {}, "darwin"), false);
    assert.equal(wantsMemoryTunedServe(["serve"], { MALLOC_ARENA_MAX: "4" }, "linux"), false);
  });

  it("adds an 8 MiB semi-space limit and a 20 % old-generation growth unless node's flags or NODE_OPTIONS already give them", () => {
    assert.deepEqual(childNodeFlags(["--enable-source-maps"], undefined), [
      "--enable-source-maps",
      "--max-semi-space-size=8",
      "--heap-growing-percent=20",
    ]);
    assert.deepEqual(childNodeFlags(["--max-semi-space-size=32"], undefined), [
      "--max-semi-space-size=32",
      "--heap-growing-percent=20",
    ]);
    assert.deepEqual(childNodeFlags([], "--max-semi-space-size=4 --trace-gc"), ["--heap-growing-percent=20"]);
    assert.deepEqual(childNodeFlags(["--heap_growing_percent=50"], undefined), [
      "--heap_growing_percent=50",
      "--max-semi-space-size=8",
    ]);
    assert.deepEqual(childNodeFlags(["--max_semi_space_size=16", "--heap-growing-percent=10"], undefined), [
      "--max_semi_space_size=16",
      "--heap-growing-percent=10",
    ]);
  });
});
