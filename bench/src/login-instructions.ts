/**
 * Instructions per login on the event-loop thread, counted by valgrind's callgrind: the
 * login's event-loop work (HTTP, CSRF, throttle, store writes, session, answer) without the
 * argon2id verification, which runs on libuv's pool thread and is counted apart. On a
 * shared VM, `login-profile`'s CPU per login swings by a third from run to run; this count
 * does not.
 *
 *   npx tsc -b && node bench/dist/login-instructions.js [--warmup 100] [--low 10] [--high 40]
 *
 * Each run starts the ready server (SQLite, log level warn, the login-load settings of
 * scenario 4) in a node process under callgrind with `--separate-threads=yes`, logs the bench
 * user in `warmup` times with instrumentation off, then `low` (in a second run `high`) times
 * counted, one login at a time on a keep-alive connection from the same process; the
 * per-login figure is (Ir(high) − Ir(low)) ÷ (high − low) of the main thread, without
 * TurboFan's compiles (in brackets with them). The two runs go side by side. A login runs a
 * few dozen times a second under load, so most of its code stays in V8's interpreter and
 * baseline tiers: the warm-up is short on purpose. Internally, `login-instructions.js loop
 * WARMUP COUNT SIGNAL` is the process callgrind runs.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { COUNTED_NODE_FLAGS, countWarmRun, type Counted } from "./callgrind-counts.js";
import { createSqliteFixture } from "./fixtures/sqlite-fixture.js";
import { loginRequest } from "./http-check.js";
import { loginLoadSettings } from "./servers/login-load-settings.js";
import { readyServer } from "./servers/ready-server.js";

/** The process callgrind runs: `warmup` logins, then (once counting is on) `count` more. */
async function loop(warmup: number, count: number, signal: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "latchkey-login-instructions-"));
  const fixture = await createSqliteFixture(join(dir, "login.sqlite3"), { sessions: 1, sample: 1, log: () => {} });
  const running = await readyServer(fixture.database, "warn", loginLoadSettings(1));
  let agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const url = new URL(running.url);
    const spec = await loginRequest(running.url.replace(/\/$/, ""));
    const login = (): Promise<void> =>
      new Promise((resolve, reject) => {
        const req = request(
          { host: url.hostname, port: url.port, path: spec.path, method: spec.method, headers: spec.headers, agent },
          (res) => {
            res.resume();
            res.on("end", () =>
              res.statusCode === 200 ? resolve() : reject(new Error(`A login answered ${res.statusCode}`)),
            );
          },
        );
        req.on("error", reject);
        req.end(spec.body);
      });
    for (let i = 0; i < warmup; i++) await login();
    // Each run starts its count with the same empty young generation (see instructions.ts).
    const collect: unknown = Reflect.get(globalThis, "gc");
    if (typeof collect === "function") collect({ type: "minor" });
    writeFileSync(`${signal}.warm`, "");
    // Bounded: the driver switches counting on within a second or so.
    for (let tries = 0; !existsSync(`${signal}.go`); tries++) {
      if (tries > 6000) throw new Error("counting was never switched on");
      await delay(10);
    }
    // A new connection for the count: the warm-up's may have been closed as idle by the
    // server (5 s keep-alive) while callgrind_control was slow to switch counting on, and
    // reusing it would fail with ECONNRESET. Both runs open it, so it cancels out.
    agent.destroy();
    agent = new Agent({ keepAlive: true, maxSockets: 1 });
    for (let i = 0; i < count; i++) await login();
  } finally {
    agent.destroy();
    await running.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The main thread's file of a `--separate-threads=yes` run (thread 1: `<out>-01`). */
function mainThreadFile(out: string): string {
  const file = readdirSync(dirname(out))
    .map((name) => join(dirname(out), name))
    .find((path) => basename(path).startsWith(basename(out)) && path.endsWith("-01"));
  if (file === undefined) throw new Error(`No main-thread file for ${out}`);
  return file;
}

/** Counts one run of `count` logins: the main thread's instructions and its TurboFan compiles. */
function countLogins(warmup: number, count: number, out: string): Promise<Counted> {
  return countWarmRun({
    command: [
      process.execPath,
      ...COUNTED_NODE_FLAGS,
      fileURLToPath(import.meta.url),
      "loop",
      String(warmup),
      String(count),
      out,
    ],
    out,
    what: `${count} logins`,
    valgrindOptions: ["--separate-threads=yes"],
    totalsFile: mainThreadFile,
  });
}

async function main(): Promise<void> {
  const [mode, ...rest] = process.argv.slice(2);
  if (mode === "loop") return loop(Number(rest[0]), Number(rest[1]), rest[2] ?? "");
  const { values } = parseArgs({
    options: {
      warmup: { type: "string", default: "100" },
      low: { type: "string", default: "10" },
      high: { type: "string", default: "40" },
    },
  });
  const [warmup, low, high] = [Number(values.warmup), Number(values.low), Number(values.high)];
  const dir = mkdtempSync(join(tmpdir(), "latchkey-login-counts-"));
  try {
    const [a, b] = await Promise.all([
      countLogins(warmup, low, join(dir, `login.${low}.out`)),
      countLogins(warmup, high, join(dir, `login.${high}.out`)),
    ]);
    const per = (x: number, y: number): string => Math.round((y - x) / (high - low)).toLocaleString("en-US");
    console.log(
      `main-thread instructions per login: ${per(a.total - a.compiles, b.total - b.compiles)} (${per(a.total, b.total)} with TurboFan's compiles; Ir ${a.total} → ${b.total}, compiles ${a.compiles} → ${b.compiles}; warm-up ${warmup}, logins ${low} and ${high})`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
