// CPU per authenticated whoami with PostgreSQL and the session cache off, split between the
// Node server (this process, every thread) and PostgreSQL (postmaster and every backend), from
// /proc/<pid>/task/<tid>/schedstat (ns), which other processes on a noisy machine do not inflate
// the way they inflate wall time. Set up like the bench's PostgreSQL row: a throwaway PostgreSQL
// and this server pinned to core 0, the load (autocannon, 50 connections) pinned to core 1,
// 1,000 sessions of one user. Run after `npx tsc -b`, from the repository root, Linux only:
//   taskset -c 0 node packages/store-postgres/scripts/whoami-cpu.mjs [SECONDS=5] [ROUNDS=3]
import { execFileSync, spawn } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { fileURLToPath } from "node:url";
import { startPostgres } from "@latchkey/testkit";
import pgLib from "pg";
import { createPostgresFixture, postmasterPid } from "../../../bench/dist/fixtures/postgres-fixture.js";
import { createSqliteFixture } from "../../../bench/dist/fixtures/sqlite-fixture.js";
import { readyServer } from "../../../bench/dist/servers/ready-server.js";

const SECONDS = Number(process.argv[2] ?? 5);
const ROUNDS = Number(process.argv[3] ?? 3);
const LOAD = fileURLToPath(new URL("./whoami-load.mjs", import.meta.url));

/** CPU ns of every thread of `pid`. */
function cpuNs(pid) {
  let total = 0;
  let tids = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return 0;
  }
  for (const tid of tids) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
    } catch {}
  }
  return total;
}
function childPids(pid) {
  const found = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const text = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (Number(text.slice(text.lastIndexOf(")") + 2).split(" ")[1]) === pid) found.push(Number(entry));
    } catch {}
  }
  return found;
}
function pgCpu(postmaster) {
  const per = new Map();
  for (const pid of [postmaster, ...childPids(postmaster)]) per.set(pid, cpuNs(pid));
  return per;
}
function sumSince(before, after) {
  let total = 0;
  for (const [pid, ns] of after) total += ns - (before.get(pid) ?? 0);
  return total;
}
function load(origin, cookies, seconds) {
  return new Promise((resolve, reject) => {
    const child = spawn("taskset", ["-c", "1", process.execPath, LOAD, origin, String(seconds), "50"], {
      stdio: ["pipe", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`load exited ${code}`))));
    child.stdin.end(JSON.stringify(cookies));
  });
}

const pg = await startPostgres();
let server;
try {
  const fixture = await createPostgresFixture(pg.url, { sessions: 1000, sample: 1000 });
  const postmaster = await postmasterPid(pg.url);
  execFileSync("taskset", ["-a", "-p", "-c", "0", String(postmaster)], { stdio: "ignore" });
  for (const child of childPids(postmaster))
    execFileSync("taskset", ["-a", "-p", "-c", "0", String(child)], { stdio: "ignore" });
  const sqlite = await createSqliteFixture(`/tmp/whoami-cpu-${process.pid}.sqlite3`, {
    sessions: 1,
    sample: 1,
    log: () => {},
  });
  server = await readyServer(sqlite.database, "warn", {
    databaseUrl: fixture.url,
    "sessionCache.enabled": process.env["CACHE"] === "1" ? "true" : "false",
  });
  const origin = server.url;
  const cookies = fixture.tokens.map((t) => `sessionid=${t}`);
  const stats = new pgLib.Client({ connectionString: fixture.url });
  await stats.connect();
  const commits = async () =>
    Number(
      (await stats.query("SELECT xact_commit::text AS n FROM pg_stat_database WHERE datname = current_database()"))
        .rows[0].n,
    );
  await load(origin, cookies, 2); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    const nodeBefore = cpuNs(process.pid);
    const pgBefore = pgCpu(postmaster);
    const commitsBefore = await commits();
    const profile = process.env["PROFILE"] !== undefined && round === 0 ? new Session() : null;
    if (profile !== null) {
      profile.connect();
      await profile.post("Profiler.enable");
      await profile.post("Profiler.setSamplingInterval", { interval: 100 });
      await profile.post("Profiler.start");
    }
    const result = await load(origin, cookies, SECONDS);
    if (profile !== null) {
      const { profile: taken } = await profile.post("Profiler.stop");
      writeFileSync(process.env["PROFILE"], JSON.stringify(taken));
      profile.disconnect();
    }
    const nodeNs = cpuNs(process.pid) - nodeBefore;
    const pgNs = sumSince(pgBefore, pgCpu(postmaster));
    if (process.env["PG_DETAIL"] !== undefined) {
      const after = pgCpu(postmaster);
      for (const [pid, ns] of after) {
        const used = ns - (pgBefore.get(pid) ?? 0);
        if (used > 1e6) {
          let name = "?";
          try {
            name = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").trim();
          } catch {}
          console.log(`  pg ${pid} ${name}: ${(used / 1e6).toFixed(1)} ms`);
        }
      }
    }
    const statements = (await commits()) - commitsBefore - 1;
    const n = result.ok;
    console.log(
      `round ${round + 1}: ${n} ok (${result.other} other, ${result.errors} errors), ${(n / result.seconds).toFixed(0)} req/s; ` +
        `CPU per request: node ${(nodeNs / n / 1000).toFixed(1)} µs, postgres ${(pgNs / n / 1000).toFixed(1)} µs, ` +
        `total ${((nodeNs + pgNs) / n / 1000).toFixed(1)} µs; ${(n / statements).toFixed(1)} requests per statement`,
    );
  }
  await stats.end();
} finally {
  await server?.close();
  await pg.stop();
}
