import { integer, mebibytes, ms, ratio } from "./format.js";
import type { BenchReport, ThroughputRow } from "./results.js";

/** Pads cells into aligned columns: text left, numbers right. */
function align(rows: readonly (readonly string[])[], numeric: readonly boolean[]): string {
  const widths = numeric.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows
    .map((r, index) => {
      const line = r
        .map((cell, i) => (numeric[i] === true ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
        .join("  ")
        .trimEnd();
      return index === 0 ? `${line}\n${"-".repeat(line.length)}` : line;
    })
    .join("\n");
}

/** `0.82× (0.80/0.85/0.82)`: the median and, with more than one round, each round's ratio. */
function ratioWithRounds(row: ThroughputRow): string {
  if (row.ratio === null) return "base";
  const rounds = row.runs.map((run) => (run.ratio === null ? "—" : run.ratio.toFixed(2)));
  return rounds.length < 2 ? ratio(row.ratio) : `${ratio(row.ratio)} (${rounds.join("/")})`;
}

/** The summary printed on stdout at the end of a run. */
export function stdoutTable(report: BenchReport): string {
  const rows: string[][] = [["scenario", "what", "req/s", "ratio", "p50 ms", "p99 ms"]];
  const { scenarios } = report;
  for (const [name, scenario] of [
    ["1 whoami", scenarios.whoami],
    ["2 adapters", scenarios.adapters],
    ["3 flat", scenarios.flat],
  ] as const) {
    if (scenario === undefined) continue;
    for (const r of scenario.rows)
      rows.push([name, r.label, integer(r.rps), ratioWithRounds(r), ms(r.p50Ms), ms(r.p99Ms)]);
    for (const s of scenario.skipped) rows.push([name, s.label, s.reason, "", "", ""]);
  }
  if (scenarios.login !== undefined) {
    const l = scenarios.login;
    rows.push([
      "4 login",
      `POST /api/login/ (${l.connections} conns)`,
      l.login.rps.toFixed(1),
      ratio(l.ratioToHashOnly),
      ms(l.login.p50Ms),
      ms(l.login.p99Ms),
    ]);
    rows.push([
      "4 login",
      `argon2id ${l.hash.params} verify alone`,
      l.hash.verifiesPerSecond.toFixed(1),
      "",
      ms(l.hash.verifyMs),
      "",
    ]);
  }
  if (scenarios.storm !== undefined) {
    for (const r of scenarios.storm.rows) {
      rows.push([
        "5 storm",
        `${r.label}${r.loginRps === null ? "" : ` (${r.loginRps.toFixed(1)} logins/s)`}`,
        integer(r.whoamiRps),
        "",
        ms(r.whoamiP50Ms),
        ms(r.whoamiP99Ms),
      ]);
    }
  }
  if (scenarios.memory !== undefined) {
    for (const r of scenarios.memory.rss)
      rows.push([
        "6 memory",
        `${r.label} RSS idle / after load`,
        `${mebibytes(r.idleBytes)} / ${mebibytes(r.afterLoadBytes)}`,
        "",
        "",
        "",
      ]);
    for (const s of scenarios.memory.stores)
      rows.push([
        "6 memory",
        `${s.store} bytes per session`,
        s.bytesPerSession === null ? (s.reason ?? "—") : integer(s.bytesPerSession),
        "",
        "",
        "",
      ]);
  }
  if (scenarios.burst !== undefined) {
    const b = scenarios.burst;
    rows.push(["7 burst", "legitimate login alone", "", "", ms(b.aloneMs), ""]);
    rows.push([
      "7 burst",
      `legitimate login during a ${b.guesses}-guess burst from one IP`,
      "",
      "",
      ms(b.duringBurstMs),
      "",
    ]);
    rows.push(["7 burst", "GET /api/csrf/ sent with it", "", "", ms(b.csrfDuringBurstMs), ""]);
  }
  if (scenarios.timing !== undefined) {
    for (const p of scenarios.timing.pairs) {
      const verdict =
        p.note !== null
          ? "not meant to be equal"
          : p.withinTolerance
            ? `within ${scenarios.timing.tolerancePercent} %`
            : `NOT within ${scenarios.timing.tolerancePercent} %`;
      rows.push([
        "8 timing",
        `${p.label}: ${p.first} ${ms(p.firstMs)} ms vs ${p.second} ${ms(p.secondMs)} ms (${p.differencePercent >= 0 ? "+" : ""}${p.differencePercent.toFixed(1)} %, ${verdict})`,
        "",
        "",
        ms(p.firstMs),
        "",
      ]);
    }
  }
  if (scenarios.revocation !== undefined) {
    for (const r of scenarios.revocation.rows) {
      rows.push([
        "9 revocation",
        `${r.label}: ${integer(r.acceptedAfterLogout)} accepted / ${integer(r.refusedAfterLogout)} refused after logout 200 (${integer(r.whoamiAnswered)} checked); logout p50/p99`,
        integer(r.whoamiRps),
        "",
        ms(r.logoutP50Ms),
        ms(r.logoutP99Ms),
      ]);
    }
    for (const s of scenarios.revocation.skipped) rows.push(["9 revocation", s.label, s.reason, "", "", ""]);
  }
  const targets = report.targets.map(
    (t) => `  ${t.met === null ? "·" : t.met ? "✓" : "✗"} ${t.description}: ${t.display} (target ${t.target})`,
  );
  return `${align(rows, [false, false, true, true, true, true])}\n\nTargets:\n${targets.join("\n")}\n`;
}
