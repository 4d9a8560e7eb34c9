import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { pairedRatio, roundSchedule, spreadOf, type SliceCount } from "./pairing.js";

/** Slices of `seconds` each, in order, with the given 2xx counts. */
function slices(seconds: number, ...counts: [key: string, ok: number][]): SliceCount[] {
  return counts.map(([key, ok]) => ({ key, ok, per: seconds }));
}

describe("roundSchedule()", () => {
  it("puts a baseline before, after and between every slice of the contenders measured against it", () => {
    assert.deepEqual(
      roundSchedule([{ key: "bare" }, { key: "sqlite", baseline: "bare" }, { key: "redis", baseline: "bare" }], 2),
      [["bare", "sqlite", "bare", "redis", "bare", "sqlite", "bare", "redis", "bare"]],
    );
  });

  it("makes one sequence per baseline, and runs an entry that is no one's baseline and has none once", () => {
    assert.deepEqual(
      roundSchedule(
        [
          { key: "express-bare" },
          { key: "express", baseline: "express-bare" },
          { key: "hono", baseline: "hono-bare" },
          { key: "hono-bare" },
          { key: "login" },
        ],
        1,
      ),
      [["express-bare", "express", "express-bare"], ["hono-bare", "hono", "hono-bare"], ["login"]],
    );
  });

  it("refuses a baseline that is not measured or that has a baseline itself", () => {
    assert.throws(() => roundSchedule([{ key: "a", baseline: "missing" }], 1), /baseline missing is not measured/);
    assert.throws(
      () => roundSchedule([{ key: "a" }, { key: "b", baseline: "a" }, { key: "c", baseline: "b" }], 1),
      /baseline b has a baseline itself/,
    );
  });
});

describe("pairedRatio()", () => {
  it("compares each contender slice with the mean rate of the baseline slices on either side", () => {
    // Baseline 1,000/s then 3,000/s around a 1,000/s contender slice: 1,000 ÷ 2,000.
    assert.equal(pairedRatio(slices(1, ["B", 1000], ["X", 1000], ["B", 3000]), "X", "B"), 0.5);
  });

  it("cancels a drift that moves the baseline and the contender alike", () => {
    // The VM slows down linearly, 10 % a slice; the contender is always 0.8× the baseline at the same moment.
    const speed = (slot: number) => 10_000 * (1 - 0.1 * slot);
    const sequence = ["B", "X", "B", "Y", "B", "X", "B", "Y", "B"].map((key, slot): SliceCount => {
      const factor = key === "X" ? 0.8 : key === "Y" ? 0.5 : 1;
      return { key, ok: speed(slot) * factor * 3, per: 3 };
    });
    assert.ok(Math.abs((pairedRatio(sequence, "X", "B") ?? 0) - 0.8) < 1e-12);
    assert.ok(Math.abs((pairedRatio(sequence, "Y", "B") ?? 0) - 0.5) < 1e-12);
    // Y's last slice against the baseline's first, as one run each far apart compared them before slices: 0.15×, not 0.5×.
    assert.ok(Math.abs((sequence[7]?.ok ?? 0) / (sequence[0]?.ok ?? 1) - 0.15) < 1e-12);
  });

  it("weighs each slice by its length: the answers over those the baseline would have given in the same seconds", () => {
    const sequence: SliceCount[] = [
      { key: "B", ok: 1000, per: 1 },
      { key: "X", ok: 900, per: 1 },
      { key: "B", ok: 1000, per: 1 },
      { key: "X", ok: 1500, per: 3 },
      { key: "B", ok: 1000, per: 1 },
    ];
    // (900 + 1,500) ÷ (1,000 × 1 + 1,000 × 3)
    assert.equal(pairedRatio(sequence, "X", "B"), 0.6);
  });

  it("uses the one baseline slice there is at an end of the sequence", () => {
    assert.equal(pairedRatio(slices(2, ["X", 500], ["B", 1000]), "X", "B"), 0.5);
    assert.equal(pairedRatio(slices(2, ["B", 1000], ["Y", 10], ["X", 250]), "X", "B"), 0.25);
  });

  it("is null with no baseline slice, no contender slice, or an unknown length (CPU time without /proc)", () => {
    assert.equal(pairedRatio(slices(1, ["X", 10], ["X", 10]), "X", "B"), null);
    assert.equal(pairedRatio(slices(1, ["B", 10], ["B", 10]), "X", "B"), null);
    assert.equal(
      pairedRatio(
        [
          { key: "B", ok: 10, per: null },
          { key: "X", ok: 10, per: 1 },
        ],
        "X",
        "B",
      ),
      null,
    );
    assert.equal(
      pairedRatio(
        [
          { key: "B", ok: 10, per: 1 },
          { key: "X", ok: 10, per: null },
        ],
        "X",
        "B",
      ),
      null,
    );
  });
});

describe("spreadOf()", () => {
  it("is (highest − lowest) ÷ median, and null for fewer than two ratios", () => {
    assert.equal(spreadOf([0.5, 1, 0.75]), (1 - 0.5) / 0.75);
    assert.equal(spreadOf([0.8, null]), null);
    assert.equal(spreadOf([]), null);
  });
});
