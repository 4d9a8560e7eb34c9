import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { requireProgram } from "@latchkey/testkit";
import { createChildRegistry } from "./children.js";
import type { BenchContext } from "./context.js";
import { parseOptions } from "./options.js";
import { answeredUser, peerWhoami, startPeers, type RunningPeer } from "./peers.js";
import { createServices } from "./services.js";

const RUN = fileURLToPath(new URL("./run.js", import.meta.url));

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function rowKeys(scenario: unknown): string[] {
  if (!isRecord(scenario) || !Array.isArray(scenario.rows)) return [];
  return scenario.rows.map((row: unknown) => (isRecord(row) && typeof row.key === "string" ? row.key : "?"));
}

describe("npm run bench (quick smoke run)", () => {
  it("measures the flat-cost scenario end to end and writes the JSON, markdown and SVG reports", () => {
    const out = mkdtempSync(join(tmpdir(), "latchkey-bench-smoke-"));
    try {
      // Tiny runs: this checks the machinery (child processes, load, reports), never the figures.
      const result = spawnSync(
        process.execPath,
        [
          RUN,
          "--quick",
          "--duration",
          "1",
          "--warmup",
          "0",
          "--only",
          "flat",
          "--large-sessions",
          "2000",
          "--out",
          out,
        ],
        {
          encoding: "utf8",
          timeout: 120_000,
        },
      );
      assert.equal(result.status, 0, result.stderr);
      const report: unknown = JSON.parse(readFileSync(join(out, "latest.json"), "utf8"));
      assert.ok(isRecord(report));
      assert.equal(report.schema, 1);
      assert.ok(isRecord(report.machine) && typeof report.machine.cpuModel === "string");
      assert.ok(isRecord(report.settings) && report.settings.quick === true);
      assert.ok(isRecord(report.scenarios));
      assert.deepEqual(rowKeys(report.scenarios.flat), ["small", "large", "small-uncached", "large-uncached"]);
      // --quick: one round, one slice of each server between two of its baseline's, each ratio from those.
      const flat = report.scenarios.flat;
      assert.ok(isRecord(flat) && Array.isArray(flat.rows));
      for (const row of flat.rows) {
        assert.ok(isRecord(row) && Array.isArray(row.runs) && row.runs.length === 1);
        const [round] = row.runs;
        assert.ok(isRecord(round));
        const isBaseline = row.key === "small" || row.key === "small-uncached";
        assert.equal(round.slices, isBaseline ? 2 : 1, `${String(row.key)}: slices in the round`);
        assert.ok(isBaseline ? round.ratio === null : typeof round.ratio === "number" && round.ratio > 0);
      }
      assert.ok(
        isRecord(report.settings) && report.settings.sliceSeconds === 1 && report.settings.slicesPerRound === 1,
      );
      assert.deepEqual(report.failures, []);
      assert.ok(
        Array.isArray(report.targets) &&
          report.targets.some((t: unknown) => isRecord(t) && t.id === "flat-cost" && typeof t.met === "boolean"),
      );
      const markdown = readFileSync(join(out, "latest.md"), "utf8");
      assert.match(markdown, /^# latchkey benchmark/);
      assert.match(markdown, /## 3\. Flat cost: 1,000 vs 2,000 sessions/);
      assert.match(markdown, /every server runs 1 slice of 1 s, each between two slices of its baseline/);
      assert.match(readFileSync(join(out, "chart.svg"), "utf8"), /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      assert.match(result.stdout, /Targets:/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it("measures the no-enumeration timing scenario: a known/unknown pair per route, with both medians and the verdict", () => {
    const out = mkdtempSync(join(tmpdir(), "latchkey-bench-smoke-"));
    try {
      // --quick: 20 requests per variant; this checks the machinery and the report, never the figures.
      const result = spawnSync(process.execPath, [RUN, "--quick", "--only", "timing", "--out", out], {
        encoding: "utf8",
        timeout: 240_000,
      });
      assert.equal(result.status, 0, result.stderr);
      const report: unknown = JSON.parse(readFileSync(join(out, "latest.json"), "utf8"));
      assert.ok(isRecord(report) && isRecord(report.scenarios) && isRecord(report.scenarios.timing));
      const pairs = report.scenarios.timing.pairs;
      assert.ok(Array.isArray(pairs));
      assert.deepEqual(
        pairs.map((p: unknown) =>
          isRecord(p) ? `${String(p.route)}: ${String(p.first)} vs ${String(p.second)}` : "?",
        ),
        [
          "POST /api/password/reset/: known address vs unknown address",
          "POST /api/email/verify/resend/: known address vs unknown address",
          "POST /api/password/reset/: after a known address vs after an unknown address",
          "POST /api/signup/: taken address vs free address",
          "POST /api/signup/: taken username vs free username",
        ],
      );
      for (const pair of pairs) {
        assert.ok(
          isRecord(pair) &&
            typeof pair.firstMs === "number" &&
            typeof pair.secondMs === "number" &&
            typeof pair.withinTolerance === "boolean",
        );
        assert.equal(pair.samples, 20);
      }
      assert.match(readFileSync(join(out, "latest.md"), "utf8"), /## 8\. Answer times for known vs unknown addresses/);
      assert.match(result.stdout, /password reset request: known address .* ms vs unknown address .* ms/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it("runs the revocation scenario on Redis and PostgreSQL: every logout answered 200, no whoami accepted after one", {
    skip: requireProgram("redis-server", "initdb", "postgres", "pg_isready", "createdb"),
  }, () => {
    const out = mkdtempSync(join(tmpdir(), "latchkey-bench-smoke-"));
    try {
      // --quick: 30 sessions over 4 s per store; this checks the machinery and the report, never the figures.
      const result = spawnSync(process.execPath, [RUN, "--quick", "--only", "revocation", "--out", out], {
        encoding: "utf8",
        timeout: 240_000,
      });
      assert.equal(result.status, 0, result.stderr);
      const report: unknown = JSON.parse(readFileSync(join(out, "latest.json"), "utf8"));
      assert.ok(isRecord(report) && isRecord(report.scenarios));
      const scenario = report.scenarios.revocation;
      assert.deepEqual(rowKeys(scenario), ["redis", "postgres"]);
      assert.ok(isRecord(scenario) && Array.isArray(scenario.rows));
      for (const row of scenario.rows) {
        assert.ok(isRecord(row));
        assert.equal(row.processes, 3);
        assert.equal(row.logouts, row.sessions, `${String(row.key)}: every logout answered 200`);
        assert.equal(row.acceptedAfterLogout, 0, `${String(row.key)}: no whoami accepted after its logout's 200`);
        assert.ok(typeof row.whoamiAccepted === "number" && row.whoamiAccepted > 0, "sessions were accepted first");
        assert.ok(typeof row.logoutP99Ms === "number");
      }
      assert.ok(
        Array.isArray(report.targets) &&
          report.targets.some((t: unknown) => isRecord(t) && t.id === "revocation-redis" && t.met === true),
      );
      assert.match(readFileSync(join(out, "latest.md"), "utf8"), /## 9\. Revocation under load/);
      assert.match(result.stdout, /9 revocation .* 0 accepted \//);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it("refuses an unknown scenario with a usage message and exit code 2", () => {
    const result = spawnSync(process.execPath, [RUN, "--only", "nonsense"], { encoding: "utf8", timeout: 30_000 });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /unknown scenario "nonsense"/);
  });
});

/** A cookie header with the last character of its first value changed: a forged or corrupted session cookie. */
function tampered(cookie: string): string {
  const [first = "", ...rest] = cookie.split("; ");
  const last = first.at(-1) === "A" ? "B" : "A";
  return [`${first.slice(0, -1)}${last}`, ...rest].join("; ");
}

describe("npm run bench -- --peers: the peer servers", { skip: requireProgram("redis-server") }, () => {
  // The peers' servers as the bench runs them (child processes, the bench's own Redis), with
  // two sessions each made by real logins: what is measured must be an authenticated answer.
  const workDir = mkdtempSync(join(tmpdir(), "latchkey-bench-peers-"));
  const registry = createChildRegistry({ pin: false, cores: availableParallelism() });
  const services = createServices(registry, () => undefined);
  const ctx: BenchContext = {
    options: parseOptions(["--quick", "--no-pin"], workDir),
    registry,
    services,
    workDir,
    log: () => undefined,
  };
  const userJson = JSON.stringify({
    id: 1,
    username: "bench",
    email: "bench@example.com",
    first_name: "Bench",
    last_name: "Mark",
  });
  let peers: RunningPeer[] = [];

  before(async () => {
    const started = await startPeers(ctx, userJson, 2);
    assert.deepEqual(started.skipped, []);
    peers = started.peers;
  });
  after(async () => {
    await registry.stopAll();
    await services.dispose();
    rmSync(workDir, { recursive: true, force: true });
  });

  it("starts express-session + connect-redis and better-auth, each signed in twice", () => {
    assert.deepEqual(
      peers.map((p) => p.key),
      ["peer-express-session", "peer-better-auth"],
    );
    for (const peer of peers) {
      assert.equal(peer.cookies.length, 2, peer.label);
      assert.notEqual(peer.cookies[0], peer.cookies[1], `${peer.label}: each login makes its own session`);
    }
  });

  it("answers the signed-in user to each session cookie, the express-session app with latchkey's whoami JSON", async () => {
    for (const peer of peers) {
      for (const cookie of peer.cookies) {
        const user = answeredUser(await peerWhoami(peer.server.origin, peer.whoamiPath, cookie));
        assert.ok(user !== null, `${peer.label}: no user for a fresh session`);
        assert.equal(user.email, "bench@example.com", peer.label);
      }
    }
    const express = peers.find((p) => p.key === "peer-express-session");
    assert.ok(express !== undefined);
    const answer = await peerWhoami(express.server.origin, express.whoamiPath, express.cookies[0] ?? null);
    assert.deepEqual(answer.body, JSON.parse(userJson));
  });

  it("answers no user without a cookie or with a tampered one", async () => {
    for (const peer of peers) {
      const cookie = peer.cookies[0] ?? "";
      assert.equal(
        answeredUser(await peerWhoami(peer.server.origin, peer.whoamiPath, null)),
        null,
        `${peer.label}: anonymous`,
      );
      assert.equal(
        answeredUser(await peerWhoami(peer.server.origin, peer.whoamiPath, tampered(cookie))),
        null,
        `${peer.label}: tampered cookie`,
      );
    }
  });

  it("refuses --peers without the whoami scenario, which it runs in", () => {
    const result = spawnSync(process.execPath, [RUN, "--peers", "--only", "flat"], {
      encoding: "utf8",
      timeout: 30_000,
    });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /--peers runs in the whoami scenario/);
  });
});
