import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createIsoTime } from "./log-time.js";

/** What pino.stdTimeFunctions.isoTime writes at `ms`. */
const expected = (ms: number) => `,"time":"${new Date(ms).toISOString()}"`;

describe("createIsoTime()", () => {
  it("writes what toISOString writes, across seconds, with the clock going back, before 1970 and past 9999", () => {
    const times = [
      1_796_601_247_006, 1_796_601_247_006, 1_796_601_247_000, 1_796_601_247_009, 1_796_601_247_010, 1_796_601_247_099,
      1_796_601_247_100, 1_796_601_247_999, 1_796_601_248_000, 1_796_601_248_001,
      // The clock stepped back (NTP): the second held must not be reused.
      1_796_601_246_500, 1_796_601_247_500, 0, 7, -1, -999, -1_000, -1_001, 253_402_300_799_999, 253_402_300_800_000,
      253_402_300_800_042,
    ];
    let i = 0;
    const time = createIsoTime(() => times[i] as number);
    for (; i < times.length; i++) assert.equal(time(), expected(times[i] as number), `at ${times[i]}`);
  });

  it("writes whole milliseconds when the clock gives fractions", () => {
    const time = createIsoTime(() => 1_796_601_247_006.75);
    assert.equal(time(), expected(1_796_601_247_006));
  });

  it("follows the real clock by default", () => {
    const before = Date.now();
    const written = createIsoTime()();
    const after = Date.now();
    const match = /^,"time":"(.+)"$/.exec(written);
    assert.ok(match !== null, written);
    const at = Date.parse(match[1] as string);
    assert.ok(at >= before && at <= after, `${written} between ${before} and ${after}`);
    assert.equal(written, expected(at));
  });
});
