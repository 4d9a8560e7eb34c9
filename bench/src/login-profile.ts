/**
 * Where a login's time goes beyond argon2id, on a noisy machine: `taskset -c 0 node
 * bench/dist/login-profile.js [--seconds 10] [--warmup 5] [--connections 8] [--gaps]`.
 *
 * Runs the ready server (SQLite, log level warn, the login-load settings of scenario 4) in
 * this process, times argon2id verifications alone first, then drives logins from a child
 * pinned to core 1 and reports per login: CPU of the main thread and of the other threads
 * (argon2id on libuv's pool, V8's helpers) from /proc/self/task/<tid>/schedstat, which other
 * processes on the machine do not inflate the way they inflate wall time; the idle share of
 * the cores this process may use; and with `--gaps` (async hooks: costs main-thread time
 * itself) the time per login with no verification in flight. Linux only.
 */
import { spawn } from "node:child_process";
import { createHook } from "node:async_hooks";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createPasswordHasher } from "@latchkey/password";
import { BENCH_PASSWORD } from "./fixtures/bench-user.js";
import { createSqliteFixture } from "./fixtures/sqlite-fixture.js";
import { loginRequest } from "./http-check.js";
import { readyServer } from "./servers/ready-server.js";
import { loginLoadSettings } from "./servers/login-load-settings.js";
import { median } from "./stats.js";

const LOAD_SCRIPT = fileURLToPath(new URL("./login-profile-load.js", import.meta.url));

/** CPU milliseconds of every thread of this process, by thread id. */
function threadCpuMs(): Map<string, number> {
  const cpu = new Map<string, number>();
  for (const tid of readdirSync("/proc/self/task")) {
    try {
      cpu.set(tid, Number(readFileSync(`/proc/self/task/${tid}/schedstat`, "utf8").split(" ")[0]) / 1e6);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return cpu;
}

/** CPU milliseconds used since `before`: the main thread's and the other threads'. */
function cpuSince(before: Map<string, number>): { main: number; others: number } {
  let main = 0;
  let others = 0;
  for (const [tid, ms] of threadCpuMs()) {
    const used = ms - (before.get(tid) ?? 0);
    if (tid === String(process.pid)) main += used;
    else others += used;
  }
  return { main, others };
}

/** The cores this process may run on, from /proc/self/status. */
function allowedCores(): number[] {
  const line = readFileSync("/proc/self/status", "utf8")
    .split("\n")
    .find((l) => l.startsWith("Cpus_allowed_list:"));
  const cores: number[] = [];
  for (const part of (line?.split(":")[1] ?? "").trim().split(",")) {
    const [from, to] = part.split("-").map(Number);
    if (from === undefined || Number.isNaN(from)) continue;
    for (let core = from; core <= (to ?? from); core++) cores.push(core);
  }
  return cores;
}

/** Idle and total jiffies of `cores`, summed, from /proc/stat. */
function coreTimes(cores: readonly number[]): { idle: number; total: number } {
  let idle = 0;
  let total = 0;
  for (const line of readFileSync("/proc/stat", "utf8").split("\n")) {
    const match = /^cpu(\d+) (.*)$/.exec(line);
    if (match === null || !cores.includes(Number(match[1]))) continue;
    const fields = (match[2] ?? "").trim().split(/\s+/).map(Number);
    idle += (fields[3] ?? 0) + (fields[4] ?? 0);
    total += fields.reduce((sum, n) => sum + n, 0);
  }
  return { idle, total };
}

/** Verification spans (from the native worker's creation to its callback), when --gaps is on. */
function watchVerifications(): { spans: [number, number][] } {
  const spans: [number, number][] = [];
  const open = new Map<number, number>();
  createHook({
    init(id, type) {
      if (type === "argon2:HashWorker") open.set(id, performance.now());
    },
    before(id) {
      const started = open.get(id);
      if (started === undefined) return;
      open.delete(id);
      spans.push([started, performance.now()]);
    },
  }).enable();
  return { spans };
}

/** Milliseconds of [from, to] covered by no span. */
function uncovered(spans: readonly [number, number][], from: number, to: number): number {
  let covered = 0;
  let reached = from;
  for (const [start, end] of [...spans].sort((a, b) => a[0] - b[0])) {
    const a = Math.max(start, reached);
    const b = Math.min(end, to);
    if (b > a) covered += b - a;
    reached = Math.max(reached, end);
  }
  return to - from - covered;
}

async function timeVerifications(count: number): Promise<{ wallMs: number; cpuMs: number }> {
  const hasher = createPasswordHasher();
  const encoded = await hasher.hash(BENCH_PASSWORD);
  await hasher.verify(encoded, BENCH_PASSWORD);
  const before = threadCpuMs();
  const walls: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await hasher.verify(encoded, BENCH_PASSWORD);
    walls.push(performance.now() - started);
  }
  const cpu = cpuSince(before);
  return { wallMs: median(walls), cpuMs: (cpu.main + cpu.others) / count };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seconds: { type: "string", default: "10" },
      warmup: { type: "string", default: "5" },
      connections: { type: "string", default: "8" },
      gaps: { type: "boolean", default: false },
    },
  });
  const connections = Number(values.connections);
  const watched = values.gaps === true ? watchVerifications() : null;
  const alone = await timeVerifications(40);
  const dir = mkdtempSync(join(tmpdir(), "latchkey-login-profile-"));
  const fixture = await createSqliteFixture(join(dir, "login.sqlite3"), { sessions: 1, sample: 1, log: () => {} });
  const running = await readyServer(fixture.database, "warn", loginLoadSettings(connections));
  const origin = running.url.replace(/\/$/, "");
  const spec = await loginRequest(origin);
  const args = [LOAD_SCRIPT, origin, JSON.stringify(spec), String(connections), values.warmup, values.seconds];
  const pinned = existsSync("/usr/bin/taskset");
  const child = spawn(
    pinned ? "/usr/bin/taskset" : process.execPath,
    pinned ? ["-c", "1", process.execPath, ...args] : args,
    {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    },
  );
  const cores = allowedCores();
  let started = { at: 0, cpu: new Map<string, number>(), cores: coreTimes(cores), spans: 0 };
  const ended = new Promise<{ ok: number; statuses: Record<string, number> }>((resolve, reject) => {
    child.on("message", (message: { type: string; ok?: number; statuses?: Record<string, number> }) => {
      if (message.type === "start")
        started = {
          at: performance.now(),
          cpu: threadCpuMs(),
          cores: coreTimes(cores),
          spans: watched?.spans.length ?? 0,
        };
      if (message.type === "end") resolve({ ok: message.ok ?? 0, statuses: message.statuses ?? {} });
    });
    child.on("exit", (code) => reject(new Error(`The load child exited (${code}) before the end of its run.`)));
  });
  try {
    const { ok, statuses } = await ended;
    const wall = performance.now() - started.at;
    const cpu = cpuSince(started.cpu);
    const now = coreTimes(cores);
    if (ok === 0) throw new Error(`No login succeeded: ${JSON.stringify(statuses)}`);
    const per = (ms: number): string => `${(ms / ok).toFixed(2)} ms`;
    const lines: [string, string][] = [
      ["argon2id verification alone: median wall / CPU", `${alone.wallMs.toFixed(2)} / ${alone.cpuMs.toFixed(2)} ms`],
      ["logins (statuses)", `${ok} in ${(wall / 1000).toFixed(1)} s ${JSON.stringify(statuses)}`],
      ["wall time per login", per(wall)],
      ["server CPU per login: main thread", per(cpu.main)],
      ["server CPU per login: other threads (argon2id pool, V8 helpers)", per(cpu.others)],
      ["server CPU per login: all", per(cpu.main + cpu.others)],
      ["verification CPU alone ÷ server CPU per login", ((alone.cpuMs * ok) / (cpu.main + cpu.others)).toFixed(3)],
      [
        `idle share of core(s) ${cores.join(",")} (other processes fill it too)`,
        `${(((now.idle - started.cores.idle) / Math.max(1, now.total - started.cores.total)) * 100).toFixed(1)} %`,
      ],
    ];
    if (watched !== null) {
      const spans = watched.spans.slice(started.spans);
      lines.push([
        "time per login with no verification in flight (--gaps)",
        per(uncovered(spans, started.at, started.at + wall)),
      ]);
    }
    for (const [label, value] of lines) console.log(`${label.padEnd(66)} ${value}`);
  } finally {
    child.kill();
    await running.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
