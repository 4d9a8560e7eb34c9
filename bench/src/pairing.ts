/**
 * The arithmetic of paired throughput measurements: which server runs when in a round, and a
 * contender's ratio to its baseline from the baseline's slices on either side of each of its
 * own. Pure functions, so they are unit-tested apart from any load.
 *
 * Why slices: on a shared VM the speed drifts by tens of percent within a minute, so two 10 s
 * runs 10 to 60 s apart measure the VM as much as the servers. A contender's slices of a few
 * seconds, each between two slices of its baseline, compare runs at most one slice apart, and
 * the baseline's rate at the time of the contender's slice is estimated from both sides.
 */
import { median } from "./stats.js";

/** Who a throughput comparison measures, and against whom. */
export interface PairedEntry {
  key: string;
  /** Key of the entry its ratio is to, or none. */
  baseline?: string;
}

/**
 * One round's order of measurement, as sequences of keys run one after another. A baseline and
 * the contenders measured against it form one sequence in which the baseline runs first, last
 * and between every two contender slices: with `slicesEach` 2 and contenders X and Y of
 * baseline B, `B X B Y B X B Y B`. Each contender thus gets `slicesEach` slices, each with a
 * baseline slice right before and right after it. An entry that is neither a baseline nor
 * measured against one forms a sequence of its own, `[key]` (one run, not sliced).
 * Sequences come in the order of their first entry in `entries`.
 *
 * @throws {Error} when an entry's baseline is not among the entries or itself has a baseline.
 */
export function roundSchedule(entries: readonly PairedEntry[], slicesEach: number): string[][] {
  const keys = new Set(entries.map((e) => e.key));
  const groups = new Map<string, string[]>();
  const order: string[] = [];
  for (const entry of entries) {
    const baseline = entry.baseline;
    if (baseline === undefined) {
      if (!groups.has(entry.key)) {
        groups.set(entry.key, []);
        order.push(entry.key);
      }
      continue;
    }
    const of = entries.find((e) => e.key === baseline);
    if (!keys.has(baseline) || of === undefined)
      throw new Error(`${entry.key}: its baseline ${baseline} is not measured.`);
    if (of.baseline !== undefined) throw new Error(`${entry.key}: its baseline ${baseline} has a baseline itself.`);
    const members = groups.get(baseline);
    if (members === undefined) {
      groups.set(baseline, [entry.key]);
      order.push(baseline);
    } else members.push(entry.key);
  }
  return order.map((baseline) => {
    const members = groups.get(baseline) ?? [];
    if (members.length === 0) return [baseline];
    const sequence = [baseline];
    for (let pass = 0; pass < slicesEach; pass++) {
      for (const member of members) sequence.push(member, baseline);
    }
    return sequence;
  });
}

/** What one slice measured, as far as the ratio needs it. */
export interface SliceCount {
  key: string;
  /** 2xx answers counted. */
  ok: number;
  /** What they are counted over: wall seconds for throughput, server CPU-seconds for efficiency; null when unknown. */
  per: number | null;
}

function rateOf(slice: SliceCount | undefined): number | null {
  return slice === undefined || slice.per === null || slice.per <= 0 ? null : slice.ok / slice.per;
}

/**
 * The contender's ratio to its baseline over one sequence: Σ its answers ÷ Σ (the baseline's
 * rate at that time × the contender's seconds), where the baseline's rate at the time of a
 * contender slice is the mean of the rates of the nearest baseline slice before it and the
 * nearest after it (the one there is, at an end). If the VM's speed drifts linearly across the
 * three slices, it cancels. A slice counts with its length, so the ratio is the contender's
 * answers over those the baseline would have given in the same seconds.
 *
 * Null when the contender or the baseline has no slice with a known `per`, or a contender slice has
 * no baseline slice with a rate on either side.
 */
export function pairedRatio(sequence: readonly SliceCount[], contender: string, baseline: string): number | null {
  let answers = 0;
  let expected = 0;
  let slices = 0;
  for (let i = 0; i < sequence.length; i++) {
    const slice = sequence[i];
    if (slice === undefined || slice.key !== contender) continue;
    if (slice.per === null || slice.per <= 0) return null;
    let before: number | null = null;
    for (let j = i - 1; j >= 0 && before === null; j--) {
      if (sequence[j]?.key === baseline) before = rateOf(sequence[j]);
    }
    let after: number | null = null;
    for (let j = i + 1; j < sequence.length && after === null; j++) {
      if (sequence[j]?.key === baseline) after = rateOf(sequence[j]);
    }
    const rates = [before, after].filter((r): r is number => r !== null);
    if (rates.length === 0) return null;
    const baselineRate = rates.reduce((sum, r) => sum + r, 0) / rates.length;
    answers += slice.ok;
    expected += baselineRate * slice.per;
    slices++;
  }
  return slices === 0 || expected <= 0 ? null : answers / expected;
}

/** (max − min) ÷ median of some ratios: how far a row's rounds disagree; null for fewer than two. */
export function spreadOf(values: readonly (number | null)[]): number | null {
  const present = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (present.length < 2) return null;
  const middle = median(present);
  return middle > 0 ? (Math.max(...present) - Math.min(...present)) / middle : null;
}
