import { duration, integer, mebibytes, ms, ratio } from "./format.js";
import { spreadOf } from "./pairing.js";
import type { BenchReport, SkippedRow, ThroughputRow } from "./results.js";

function table(header: readonly string[], rows: readonly (readonly string[])[], align: readonly ("l" | "r")[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(align.map((a) => (a === "r" ? "---:" : "---"))), ...rows.map(line)].join("\n");
}

function throughputTable(rows: readonly ThroughputRow[], ratioHeader: string, skipped: readonly SkippedRow[]): string {
  const body = rows.map((r) => [
    r.label,
    integer(r.rps),
    r.ratio === null ? "1.00× (baseline)" : ratio(r.ratio),
    r.ratio === null ? "" : r.runs.map((run) => (run.ratio === null ? "—" : run.ratio.toFixed(2))).join(" / "),
    r.ratio === null ? "" : percent(spreadOf(r.runs.map((run) => run.ratio))),
    ms(r.p50Ms),
    ms(r.p99Ms),
    integer(r.reqPerCpuSecond),
    ratio(r.cpuRatio),
    storeMs(r.storeCpuMsPer1k?.redis),
    storeMs(r.storeCpuMsPer1k?.postgres),
    mebibytes(r.rssBytes),
    r.non2xx + r.errors === 0 ? "0" : `${r.non2xx} non-2xx, ${r.errors} errors`,
  ]);
  for (const s of skipped) body.push([s.label, s.reason, "", "", "", "", "", "", "", "", "", "", ""]);
  return table(
    [
      "server",
      "req/s",
      ratioHeader,
      "each round",
      "spread",
      "p50 ms",
      "p99 ms",
      "req per server CPU-s",
      "× (CPU)",
      "Redis CPU ms per 1k req",
      "PostgreSQL CPU ms per 1k req",
      "RSS after",
      "failures",
    ],
    body,
    ["l", "r", "r", "r", "r", "r", "r", "r", "r", "r", "r", "r", "r"],
  );
}

/** A store's CPU-milliseconds per 1,000 answers, `3.4`; `—` when not measured (that store not started, or an older report). */
function storeMs(value: number | undefined): string {
  return value === undefined ? "—" : value.toFixed(1);
}

/** A spread as a percentage: `12 %`. */
function percent(value: number | null): string {
  return value === null ? "—" : `${Math.round(value * 100)} %`;
}

/** How the throughput figures were measured: with slices, or (older reports) one run per server per round. */
function methodLine(settings: BenchReport["settings"]): string {
  const rounds = `${settings.runs} round${settings.runs === 1 ? "" : "s"}`;
  if (settings.sliceSeconds === undefined || settings.slicesPerRound === undefined) {
    return `Load: ${settings.loadGenerator} in its own process, ${settings.connections} keep-alive connections over loopback, ${settings.durationSeconds} s per run, each figure the median of ${settings.runs} run${settings.runs === 1 ? "" : "s"} (servers warmed up ${settings.warmupSeconds} s first); runs of one scenario are interleaved and each ratio compares runs of the same round.`;
  }
  return [
    `Load: ${settings.loadGenerator} in its own process per server, ${settings.connections} keep-alive connections over loopback, servers warmed up ${settings.warmupSeconds} s first; each figure the median of ${rounds}.`,
    `Scenarios 1–3: in each round every server runs ${settings.slicesPerRound} slice${settings.slicesPerRound === 1 ? "" : "s"} of ${settings.sliceSeconds} s, each between two slices of its baseline (B X B Y B …), ${settings.primedSlices === true ? "each slice first primed with one uncounted request per distinct request (the catch-up a server idle between slices owes), " : ""}the first ${settings.settleSeconds ?? 0} s of a slice not counted; a round's ratio is the server's answers over those its baseline gave at the same time, the baseline's rate for each slice being the mean of the slices either side. "each round" lists those ratios; "spread" is (highest − lowest) ÷ median.`,
    `Runs that are not sliced (logins, storm, memory): ${settings.durationSeconds} s each.`,
  ].join(" ");
}

function notes(list: readonly string[]): string {
  return list.length === 0 ? "" : `\n\n${list.map((n) => `- ${n}`).join("\n")}`;
}

/** The human-readable report: bench/results/latest.md. */
export function markdownReport(report: BenchReport): string {
  const { machine, settings, scenarios } = report;
  const out: string[] = [];
  out.push("# latchkey benchmark");
  out.push(
    [
      `Measured ${machine.date.slice(0, 10)} on ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB RAM, ${machine.os}, Node ${machine.node}.`,
      methodLine(settings),
      `Pinning: ${settings.pinning.note}`,
      `Command: \`${settings.command}\` — the whole run took ${duration(report.elapsedSeconds)}.${settings.quick ? " **Quick smoke run: figures are indicative only.**" : ""}`,
    ].join("\n"),
  );

  if (report.failures.length > 0) {
    out.push(
      `**Failed scenarios:**\n\n${report.failures.map((f) => `- ${f.scenario}: ${f.message.split("\n")[0] ?? ""}`).join("\n")}`,
    );
  }
  out.push("## Targets");
  out.push(
    table(
      ["target", "wanted", "measured", "met"],
      report.targets.map((t) => [
        t.description,
        t.target,
        t.display,
        t.met === null ? "not measured" : t.met ? "yes" : "**no**",
      ]),
      ["l", "r", "r", "l"],
    ),
  );
  out.push("![throughput ratios](chart.svg)");

  if (scenarios.whoami !== undefined) {
    out.push("## 1. Authenticated `GET /api/whoami/`");
    out.push(
      throughputTable(scenarios.whoami.rows, "× bare node:http", scenarios.whoami.skipped) +
        notes(scenarios.whoami.notes),
    );
  }
  if (scenarios.adapters !== undefined) {
    out.push("## 2. Express, Fastify, Hono and `node:http`: an app route behind `requireUser()`");
    out.push(
      throughputTable(scenarios.adapters.rows, "× same framework, no auth", scenarios.adapters.skipped) +
        notes(scenarios.adapters.notes),
    );
  }
  if (scenarios.flat !== undefined) {
    const f = scenarios.flat;
    out.push(`## 3. Flat cost: ${integer(f.smallSessions)} vs ${integer(f.largeSessions)} sessions`);
    out.push(throughputTable(f.rows, `× ${integer(f.smallSessions)} sessions`, f.skipped) + notes(f.notes));
  }
  if (scenarios.login !== undefined) {
    const l = scenarios.login;
    out.push("## 4. Logins (argon2id, default parameters)");
    out.push(
      table(
        ["figure", "value"],
        [
          [`argon2id ${l.hash.params}: one verification alone`, `${ms(l.hash.verifyMs)} ms`],
          [`argon2id ${l.hash.params}: one hash alone`, `${ms(l.hash.hashMs)} ms`],
          [
            `verifications/s, ${l.hash.concurrency} in flight on the server's core (pool of ${l.hash.threadpool})`,
            l.hash.verifiesPerSecond.toFixed(1),
          ],
          [`\`POST /api/login/\` req/s, ${l.connections} connections`, l.login.rps.toFixed(1)],
          ["logins ÷ bare verifications", ratio(l.ratioToHashOnly)],
          ...(l.ratioToCores === undefined
            ? []
            : [[`logins ÷ (${l.usableCores ?? "?"} usable core(s) ÷ one verification)`, ratio(l.ratioToCores)]]),
          ["login p50 / p99 latency", `${ms(l.login.p50Ms)} / ${ms(l.login.p99Ms)} ms`],
          [
            "failures",
            l.login.non2xx + l.login.errors === 0 ? "0" : `${l.login.non2xx} non-2xx, ${l.login.errors} errors`,
          ],
        ],
        ["l", "r"],
      ) + notes(l.notes),
    );
  }
  if (scenarios.storm !== undefined) {
    const s = scenarios.storm;
    out.push("## 5. whoami during a login storm");
    out.push(
      table(
        [
          "variant",
          "whoami req/s",
          "whoami p50 ms",
          "whoami p99 ms",
          "logins/s",
          "event-loop delay p99 ms",
          "event-loop delay max ms",
          "failures",
        ],
        s.rows.map((r) => [
          r.label,
          integer(r.whoamiRps),
          ms(r.whoamiP50Ms),
          ms(r.whoamiP99Ms),
          r.loginRps === null ? "—" : r.loginRps.toFixed(1),
          ms(r.eventLoopP99Ms),
          ms(r.eventLoopMaxMs),
          r.non2xx + r.errors === 0 ? "0" : `${r.non2xx} non-2xx, ${r.errors} errors`,
        ]),
        ["l", "r", "r", "r", "r", "r", "r", "r"],
      ) + notes(s.notes),
    );
  }
  if (scenarios.memory !== undefined) {
    const m = scenarios.memory;
    out.push("## 6. Memory");
    const rssRows = m.rss.map((r) => [
      `${r.label}, ${integer(r.sessions)} sessions`,
      mebibytes(r.idleBytes),
      mebibytes(r.afterLoadBytes),
    ]);
    // RSS the other scenarios read after their last run, for comparison (bare servers included).
    const otherRows = [
      ...(scenarios.whoami?.rows.map((r) => [`${r.label} (scenario 1)`, "—", mebibytes(r.rssBytes)]) ?? []),
      ...(scenarios.flat?.rows.map((r) => [`${r.label} (scenario 3)`, "—", mebibytes(r.rssBytes)]) ?? []),
    ];
    out.push(
      table(["server", "RSS idle after start", "RSS after whoami load"], [...rssRows, ...otherRows], ["l", "r", "r"]),
    );
    out.push(
      table(
        ["store", "bytes per session", "sessions inserted", "how"],
        m.stores.map((s) => [
          s.store,
          s.bytesPerSession === null ? (s.reason ?? "—") : integer(s.bytesPerSession),
          s.sessions === 0 ? "—" : integer(s.sessions),
          s.method,
        ]),
        ["l", "r", "r", "l"],
      ) + notes(m.notes),
    );
  }
  if (scenarios.burst !== undefined) {
    const b = scenarios.burst;
    out.push(`## 7. A legitimate login during a ${b.guesses}-guess burst from one IP`);
    out.push(
      table(
        ["figure", "value"],
        [
          ["legitimate login alone (median)", `${ms(b.aloneMs)} ms`],
          ["legitimate login from another IP during the burst (median)", `${ms(b.duringBurstMs)} ms`],
          ["each round, during the burst", b.runsMs.map((v) => `${ms(v)} ms`).join(", ")],
          ["GET /api/csrf/ sent with it (median): what any request waits", `${ms(b.csrfDuringBurstMs)} ms`],
          ["whole burst answered in (median)", `${b.burstSeconds.toFixed(1)} s`],
          [
            "burst answers (all rounds)",
            Object.entries(b.burstStatuses)
              .map(([status, count]) => `${count}× ${status}`)
              .join(", "),
          ],
        ],
        ["l", "r"],
      ) + notes(b.notes),
    );
  }
  if (scenarios.timing !== undefined) {
    const t = scenarios.timing;
    out.push("## 8. Answer times for known vs unknown addresses (no enumeration)");
    out.push(
      table(
        [
          "route",
          "first",
          "median",
          "second",
          "median",
          "difference",
          `within ${t.tolerancePercent} %`,
          "samples",
          "answers",
        ],
        t.pairs.map((p) => [
          `${p.label} (${p.route})`,
          p.first,
          `${ms(p.firstMs)} ms`,
          p.second,
          `${ms(p.secondMs)} ms`,
          `${p.differencePercent >= 0 ? "+" : ""}${p.differencePercent.toFixed(1)} %`,
          p.note !== null ? "not meant to be" : p.withinTolerance ? "yes" : "**no**",
          String(p.samples),
          p.statuses,
        ]),
        ["l", "l", "r", "l", "r", "r", "l", "r", "l"],
      ) + notes([...t.notes, ...t.pairs.flatMap((p) => (p.note === null ? [] : [`${p.label}: ${p.note}`]))]),
    );
  }
  if (scenarios.revocation !== undefined) {
    const r = scenarios.revocation;
    const counts = (c: Record<string, number>) =>
      Object.entries(c)
        .map(([status, count]) => `${count}× ${status}`)
        .join(", ");
    out.push("## 9. Revocation under load: 3 processes, logouts one at a time");
    out.push(
      table(
        [
          "store",
          "whoami/s (all answers)",
          "answers checked",
          "accepted after logout 200",
          "refused after logout 200",
          "sessions refused by every process",
          "in flight: 200 / refused",
          "sessions accepted before logout",
          "logouts 200",
          "logout p50 ms",
          "logout p99 ms",
          "logout max ms",
          "failures",
        ],
        [
          ...r.rows.map((row) => [
            row.label,
            integer(row.whoamiRps),
            integer(row.whoamiAnswered),
            row.acceptedAfterLogout === 0 ? "0" : `**${integer(row.acceptedAfterLogout)}**`,
            integer(row.refusedAfterLogout),
            `${row.sessionsRefusedEverywhere} of ${row.sessions}`,
            `${integer(row.inFlightAccepted)} / ${integer(row.inFlightRefused)}`,
            `${row.sessionsAcceptedBefore} of ${row.sessions}`,
            `${row.logouts} of ${row.sessions}`,
            ms(row.logoutP50Ms),
            ms(row.logoutP99Ms),
            ms(row.logoutMaxMs),
            row.errors + row.refusedBeforeLogout + Object.keys(row.otherStatuses).length === 0 &&
            row.logouts === row.sessions
              ? "0"
              : [
                  `${row.errors} errors`,
                  `${row.refusedBeforeLogout} refused before logout`,
                  `other: ${counts(row.otherStatuses) || "none"}`,
                  `logouts: ${counts(row.logoutStatuses)}`,
                ].join("; "),
          ]),
          ...r.skipped.map((s) => [s.label, s.reason, "", "", "", "", "", "", "", "", "", "", ""]),
        ],
        ["l", "r", "r", "r", "r", "r", "r", "r", "r", "r", "r", "r", "l"],
      ) + notes(r.notes),
    );
  }
  return `${out.join("\n\n")}\n`;
}
