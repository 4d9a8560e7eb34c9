import { ratio } from "./format.js";
import type { BenchReport, ThroughputRow } from "./results.js";

/** One bar: a throughput ratio (the median of its rounds), each round's, and the target it is held to, if any. */
export interface ChartBar {
  label: string;
  value: number;
  rounds: number[];
  target: number | null;
}

/** The headline ratios of a report, in the order the README discusses them. */
export function headlineBars(report: BenchReport): ChartBar[] {
  const bars: ChartBar[] = [];
  const add = (label: string, row: ThroughputRow | undefined, target: number | null) => {
    const value = row?.ratio;
    if (row === undefined || value === null || value === undefined || !Number.isFinite(value)) return;
    const rounds = row.runs.map((r) => r.ratio).filter((r): r is number => r !== null && Number.isFinite(r));
    bars.push({ label, value, rounds, target });
  };
  const whoami = report.scenarios.whoami?.rows ?? [];
  const find = (key: string) => whoami.find((r) => r.key === key);
  add("whoami, ready server, SQLite ÷ bare node:http", find("ready-sqlite"), 0.8);
  add("whoami, @latchkey/node, SQLite ÷ bare node:http", find("node-sqlite"), null);
  add("whoami, Redis sessions ÷ bare node:http", find("ready-redis") ?? find("node-redis"), 0.7);
  add("whoami, Redis + session cache ÷ bare node:http", find("ready-redis-cache"), 0.7);
  add("whoami, PostgreSQL ÷ bare node:http", find("ready-postgres") ?? find("node-postgres"), null);
  add("whoami, PostgreSQL + session cache ÷ bare node:http", find("ready-postgres-cache"), null);
  add("peer: express-session + connect-redis ÷ bare node:http", find("peer-express-session"), null);
  add("peer: better-auth, SQLite ÷ bare node:http", find("peer-better-auth"), null);
  const adapters = report.scenarios.adapters?.rows ?? [];
  add(
    "Express route + requireUser() ÷ bare Express",
    adapters.find((r) => r.key === "express"),
    0.85,
  );
  add(
    "Fastify route + requireUser() ÷ bare Fastify",
    adapters.find((r) => r.key === "fastify"),
    0.85,
  );
  add(
    "Hono route + requireUser() ÷ bare Hono",
    adapters.find((r) => r.key === "hono"),
    0.85,
  );
  add(
    "node:http route + require() ÷ bare route",
    adapters.find((r) => r.key === "node"),
    0.85,
  );
  const flat = report.scenarios.flat;
  if (flat !== undefined) {
    add(
      `whoami, ${compact(flat.largeSessions)} ÷ ${compact(flat.smallSessions)} sessions`,
      flat.rows.find((r) => r.key === "large"),
      0.9,
    );
    add(
      `same, SQLite read cache off`,
      flat.rows.find((r) => r.key === "large-uncached"),
      0.9,
    );
  }
  return bars;
}

function compact(n: number): string {
  if (n >= 1_000_000 && n % 1_000_000 === 0) return `${n / 1_000_000}M`;
  if (n >= 1_000 && n % 1_000 === 0) return `${n / 1_000}k`;
  return n.toLocaleString("en-US");
}

function escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

const WIDTH = 800;
const LABEL_WIDTH = 370;
const BAR_AREA = WIDTH - LABEL_WIDTH - 70;
const ROW = 30;
const TOP = 58;

/**
 * A horizontal bar chart of throughput ratios (1.0 = the baseline), with a tick for each
 * target. Plain SVG with system fonts: no plotting dependency, readable on GitHub in light
 * and dark themes (its own white background).
 */
export function chartSvg(bars: readonly ChartBar[], subtitle: string): string {
  const max = Math.max(
    1.1,
    ...bars.map((b) => b.value),
    ...bars.flatMap((b) => b.rounds),
    ...bars.map((b) => b.target ?? 0),
  );
  const scale = (v: number) => (v / max) * BAR_AREA;
  const height = TOP + bars.length * ROW + 44;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="-apple-system, 'Segoe UI', Helvetica, Arial, sans-serif" font-size="13">`,
  );
  parts.push(`<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`);
  parts.push(
    `<text x="16" y="24" font-size="16" font-weight="600" fill="#1f2328">latchkey throughput as a share of the same server without auth</text>`,
  );
  parts.push(`<text x="16" y="43" fill="#59636e">${escape(subtitle)}</text>`);
  const x0 = LABEL_WIDTH;
  // Grid lines at 0.25 steps.
  for (let g = 0; g <= max + 1e-9; g += 0.25) {
    const x = x0 + scale(g);
    parts.push(
      `<line x1="${x.toFixed(1)}" y1="${TOP - 4}" x2="${x.toFixed(1)}" y2="${TOP + bars.length * ROW}" stroke="${Math.abs(g - 1) < 1e-9 ? "#8c959f" : "#eaeef2"}" stroke-width="1"/>`,
    );
    parts.push(
      `<text x="${x.toFixed(1)}" y="${TOP + bars.length * ROW + 16}" text-anchor="middle" fill="#59636e" font-size="11">${g.toFixed(2)}×</text>`,
    );
  }
  bars.forEach((bar, i) => {
    const y = TOP + i * ROW;
    const met = bar.target === null ? null : bar.value >= bar.target;
    const fill = met === false ? "#cf222e" : "#0969da";
    parts.push(`<text x="${x0 - 10}" y="${y + 19}" text-anchor="end" fill="#1f2328">${escape(bar.label)}</text>`);
    parts.push(
      `<rect x="${x0}" y="${y + 6}" width="${Math.max(1, scale(bar.value)).toFixed(1)}" height="18" rx="2" fill="${fill}"/>`,
    );
    parts.push(
      `<text x="${(x0 + scale(Math.max(bar.value, ...bar.rounds)) + 6).toFixed(1)}" y="${y + 19}" fill="#1f2328" font-weight="600">${ratio(bar.value)}</text>`,
    );
    // Each round's ratio as a dot on a line from the lowest to the highest: how far the rounds disagree.
    if (bar.rounds.length > 1) {
      const low = x0 + scale(Math.min(...bar.rounds));
      const high = x0 + scale(Math.max(...bar.rounds));
      parts.push(
        `<line x1="${low.toFixed(1)}" y1="${y + 15}" x2="${high.toFixed(1)}" y2="${y + 15}" stroke="#1f2328" stroke-width="1"/>`,
      );
      for (const round of bar.rounds) {
        parts.push(
          `<circle cx="${(x0 + scale(round)).toFixed(1)}" cy="${y + 15}" r="2.5" fill="#ffffff" stroke="#1f2328" stroke-width="1"/>`,
        );
      }
    }
    if (bar.target !== null) {
      const tx = x0 + scale(bar.target);
      parts.push(
        `<line x1="${tx.toFixed(1)}" y1="${y + 2}" x2="${tx.toFixed(1)}" y2="${y + 28}" stroke="#1a7f37" stroke-width="2" stroke-dasharray="3 2"/>`,
      );
    }
  });
  const legendY = height - 12;
  parts.push(
    `<line x1="16" y1="${legendY - 4}" x2="30" y2="${legendY - 4}" stroke="#1a7f37" stroke-width="2" stroke-dasharray="3 2"/>`,
  );
  parts.push(
    `<text x="36" y="${legendY}" fill="#59636e" font-size="11">target from the issue (a red bar misses it); dots: each round's ratio</text>`,
  );
  parts.push(`</svg>`);
  return `${parts.join("\n")}\n`;
}
