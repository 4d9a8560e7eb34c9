/**
 * Where a request's CPU goes outside the main thread's user-space instructions (which
 * `instructions.js` counts): kernel work, system calls and other threads.
 *
 *   npx tsc -b && node bench/dist/syscalls.js [variant …] [--requests 40000] [--warmup 30000] [--connections 50] [--sessions 1] [--rounds 5] [--strace] [--perf DIR]
 *
 * For each variant it starts the server under test as the bench does (`server-child.js`,
 * pinned to core 0; this process, the load, pinned to core 1), warms it up with the same
 * requests, then sends `requests` keep-alive requests over `connections` connections (the
 * cookied ones walking the tokens of `sessions` sessions, 1,000 in the bench) and reads,
 * before and after, the server's /proc figures. Per request it prints:
 * - user and system CPU in µs (/proc/PID/stat; 10 ms ticks, so a run must be long enough),
 *   and how much of it was the main thread and how much other threads (/proc/PID/task/*);
 * - read and write system calls (/proc/PID/io `syscr`, `syscw`: every read-like and
 *   write-like call, sockets included), voluntary context switches and minor page faults;
 * - bytes of the answer on the wire (what the client received) and of the request;
 * - with `--perf DIR`, one more run per server under `perf record` (cpu-clock, user and
 *   kernel), written to `DIR/<variant>.data`, the servers started with `--perf-basic-prof`;
 * - with `--strace`, one more run under `strace -f -c` (every thread) and its calls per request
 *   by name (strace slows the server several times over; the counts, not the times, are what
 *   it is for).
 * Counts (calls, bytes) repeat from run to run; CPU times are rates on a shared machine and
 * swing with the neighbours: compare them within one run, over `--rounds`.
 *
 * Variants: `bare` (the bench's bare `node:http` whoami), `floor` (bare `node:http` sending
 * the ready server's whoami headers and body, captured from it, in one `writeHead()`), `ready` (the ready server's whoami
 * over SQLite), `node-route-bare` and `node-route-auth` (the `node:http` app route, bare or behind
 * `@latchkey/node`'s `handle()` and `require()`), `hono-bare`/`hono-auth`,
 * `express-bare`/`express-auth`, `fastify-bare`/`fastify-auth`.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createChildRegistry } from "./children.js";
import { clockTicks, statOf } from "./proc.js";
import { createSqliteFixture } from "./fixtures/sqlite-fixture.js";
import { answerEnd } from "./keep-alive-client.js";
import { specOf, whoamiAnswer } from "./request-variants.js";
import { APP_ROUTE } from "./servers/server-spec.js";

const WHOAMI = "/api/whoami/";
const VARIANTS = [
  "bare",
  "floor",
  "ready",
  "node-route-bare",
  "node-route-auth",
  "express-bare",
  "express-auth",
  "fastify-bare",
  "fastify-auth",
  "hono-bare",
  "hono-auth",
] as const;
type Variant = (typeof VARIANTS)[number];

function isVariant(name: string): name is Variant {
  return (VARIANTS as readonly string[]).includes(name);
}

/** One thread's CPU ticks, by thread id. */
interface ThreadTicks {
  name: string;
  user: number;
  system: number;
}

/** The server's figures at one moment. */
interface Sample {
  threads: Map<number, ThreadTicks>;
  readCalls: number;
  writeCalls: number;
  voluntarySwitches: number;
  minorFaults: number;
}

function sample(pid: number): Sample {
  const threads = new Map<number, ThreadTicks>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const { name, fields } = statOf(`/proc/${pid}/task/${tid}/stat`);
      // After the name: state(0) … utime(11) stime(12), in clock ticks.
      threads.set(Number(tid), { name, user: Number(fields[11]), system: Number(fields[12]) });
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  // minflt (7): page faults served without I/O, process-wide (first touches of new heap pages).
  const minorFaults = Number(statOf(`/proc/${pid}/stat`).fields[7]);
  const io = readFileSync(`/proc/${pid}/io`, "utf8");
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (text: string, name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(text)?.[1]);
  return {
    threads,
    readCalls: field(io, "syscr"),
    writeCalls: field(io, "syscw"),
    voluntarySwitches: field(status, "voluntary_ctxt_switches"),
    minorFaults,
  };
}

/** What a load run received. */
interface Received {
  answers: number;
  bytes: number;
}

/**
 * Sends `count` GET requests of `path` (with a session cookie when `tokens` is not null, the
 * tokens taken in turn, as the bench's load walks its sessions) over `connections` keep-alive
 * connections, each one at a time, and checks every answer is a 200. Rejects after
 * `timeoutMs`, so a run is bounded in time as well as in count.
 */
function load(
  port: number,
  path: string,
  tokens: readonly string[] | null,
  count: number,
  connections: number,
  timeoutMs: number,
): Promise<Received> {
  const requestFor = (token: string | null) =>
    Buffer.from(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: application/json\r\n${token === null ? "" : `Cookie: sessionid=${token}\r\n`}\r\n`,
      "latin1",
    );
  const requests = tokens === null ? [requestFor(null)] : tokens.map(requestFor);
  let left = count;
  let answers = 0;
  let bytes = 0;
  return new Promise((resolve, reject) => {
    const sockets = new Set<ReturnType<typeof connect>>();
    let settled = false;
    const finish = (error: Error | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      if (error === null) resolve({ answers, bytes });
      else reject(error);
    };
    const timer = setTimeout(() => finish(new Error(`${count} requests did not finish in ${timeoutMs} ms`)), timeoutMs);
    for (let c = 0; c < Math.min(connections, count); c++) {
      const socket = connect(port, "127.0.0.1");
      sockets.add(socket);
      let pending = "";
      const next = () => {
        if (left === 0) {
          socket.end();
          sockets.delete(socket);
          if (answers === count) finish(null);
          return;
        }
        left -= 1;
        socket.write(requests[left % requests.length] as Buffer);
      };
      socket.on("connect", next);
      socket.on("error", (error) => finish(error));
      socket.on("data", (chunk: Buffer) => {
        bytes += chunk.length;
        pending += chunk.toString("latin1");
        for (;;) {
          let complete: number;
          try {
            complete = answerEnd(pending, "HTTP/1.1 200 ");
          } catch (error) {
            finish(error as Error);
            return;
          }
          if (complete === -1) return;
          pending = pending.slice(complete);
          answers += 1;
          next();
        }
      });
    }
  });
}

/** Per-request figures of one measured run. */
interface Measured {
  userUs: number;
  systemUs: number;
  mainUs: number;
  otherUs: number;
  /** CPU µs per request of each thread name other than the main thread's, summed over threads of that name. */
  otherByName: Record<string, number>;
  reads: number;
  writes: number;
  switches: number;
  faults: number;
  answerBytes: number;
}

function measured(pid: number, before: Sample, after: Sample, received: Received, ticks: number): Measured {
  const us = (t: number) => (t / ticks / received.answers) * 1e6;
  let user = 0;
  let system = 0;
  let main = 0;
  const otherByName: Record<string, number> = {};
  for (const [tid, end] of after.threads) {
    const start = before.threads.get(tid) ?? { user: 0, system: 0 };
    const spent = end.user - start.user + (end.system - start.system);
    user += end.user - start.user;
    system += end.system - start.system;
    if (tid === pid) main += spent;
    else otherByName[end.name] = (otherByName[end.name] ?? 0) + us(spent);
  }
  return {
    userUs: us(user),
    systemUs: us(system),
    mainUs: us(main),
    otherUs: us(user + system - main),
    otherByName,
    reads: (after.readCalls - before.readCalls) / received.answers,
    writes: (after.writeCalls - before.writeCalls) / received.answers,
    switches: (after.voluntarySwitches - before.voluntarySwitches) / received.answers,
    faults: (after.minorFaults - before.minorFaults) / received.answers,
    answerBytes: received.bytes / received.answers,
  };
}

/** Runs `strace -f -c` on `pid` while `during` runs; resolves to calls per request by name. */
async function straceCounts(pid: number, during: () => Promise<Received>): Promise<Record<string, number>> {
  const tracer = spawn("strace", ["-f", "-c", "-p", String(pid)], { stdio: ["ignore", "ignore", "pipe"] });
  let text = "";
  tracer.stderr.setEncoding("utf8");
  tracer.stderr.on("data", (part: string) => {
    text += part;
  });
  const exited = new Promise<void>((resolve) => tracer.once("exit", () => resolve()));
  // strace says "Process N attached" on stderr once it traces the process.
  await new Promise<void>((resolve, reject) => {
    const check = () => {
      if (text.includes("attached")) resolve();
      else if (tracer.exitCode !== null) reject(new Error(`strace could not attach: ${text}`));
      else setTimeout(check, 20);
    };
    check();
  });
  const received = await during();
  if (tracer.pid !== undefined) process.kill(tracer.pid, "SIGINT");
  await exited;
  const calls: Record<string, number> = {};
  // The table's rows: % time, seconds, usecs/call, calls, [errors], syscall.
  for (const line of text.split("\n")) {
    const match = /^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?([a-z_0-9]+)\s*$/.exec(line);
    if (match !== null && match[2] !== "total") calls[match[2] as string] = Number(match[1]) / received.answers;
  }
  return calls;
}

/**
 * Runs `perf record` (the cpu-clock software event, user and kernel, 10 kHz, with call graphs) on `pid` while
 * `during` runs, into `file`; the servers run with `--perf-basic-prof`, so `perf report -i
 * file` names JIT-compiled functions too.
 */
async function perfRecord(pid: number, file: string, during: () => Promise<Received>): Promise<void> {
  const recorder = spawn("perf", ["record", "-g", "-e", "cpu-clock", "-F", "10000", "-p", String(pid), "-o", file], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  const exited = new Promise<void>((resolve) => recorder.once("exit", () => resolve()));
  // perf has no "attached" line; its first sample needs the process to run, so give it the
  // same warm run: the first requests of `during` are counted by perf as well, which is fine.
  await during();
  if (recorder.pid !== undefined) process.kill(recorder.pid, "SIGINT");
  await exited;
}

const fixed = (value: number, digits = 1) => value.toFixed(digits);

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    args: process.argv.slice(2),
    allowPositionals: true,
    options: {
      requests: { type: "string", default: "40000" },
      warmup: { type: "string", default: "30000" },
      connections: { type: "string", default: "50" },
      sessions: { type: "string", default: "1" },
      rounds: { type: "string", default: "5" },
      strace: { type: "boolean", default: false },
      perf: { type: "string" },
    },
  });
  const requests = Number(values.requests);
  const warmup = Number(values.warmup);
  const connections = Number(values.connections);
  const rounds = Number(values.rounds);
  const sessions = Number(values.sessions);
  if (!Number.isInteger(sessions) || sessions < 1) throw new Error("--sessions is a whole number of at least 1.");
  const variants = positionals.length > 0 ? positionals : ["bare", "ready", "node-route-bare", "node-route-auth"];
  const chosen = variants.filter(isVariant);
  if (chosen.length !== variants.length) throw new Error(`Variants are among: ${VARIANTS.join(", ")}`);
  // Bounded in time as well as in count: 60 s for a run however slow the machine.
  const timeoutMs = 60_000;
  const ticks = clockTicks();
  const registry = createChildRegistry({ pin: true, cores: 2 });
  // The load (this process) on core 1, as the bench's load generators.
  if (registry.pinned) spawnSync("taskset", ["-a", "-p", "-c", "1", String(process.pid)], { stdio: "ignore" });
  if (values.perf !== undefined) mkdirSync(values.perf, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), "latchkey-syscalls-"));
  try {
    const database = join(dir, "fixture.sqlite3");
    const fixture = await createSqliteFixture(database, { sessions, sample: sessions, log: () => {} });
    const token = fixture.tokens[0];
    if (token === undefined) throw new Error("The fixture has no session.");
    const script = fileURLToPath(new URL("./server-child.js", import.meta.url));
    console.log(
      `per request, ${requests} requests over ${connections} keep-alive connections, cookies of ${sessions} session(s), ${rounds} rounds; server on core ${registry.pinned ? "0" : "any"}`,
    );
    let floorHeaders: string[] = [];
    if (chosen.includes("floor")) {
      const ready = registry.start({
        script,
        args: [JSON.stringify(specOf("ready", database, fixture.user.whoamiBody, []))],
        label: "ready (headers for the floor)",
        core: 0,
        logFile: join(dir, "floor-headers.log"),
      });
      try {
        const port = await ready.next((m) => (m.type === "ready" ? m.port : null), 30_000);
        floorHeaders = (await whoamiAnswer(`http://127.0.0.1:${port}`, token)).headers;
      } finally {
        await ready.stop();
      }
    }
    // Every server up and warm first, then each round measures them in turn: the machine's
    // drift falls on every variant alike instead of on whichever ran last.
    const servers: { variant: Variant; pid: number; port: number; path: string; cookie: readonly string[] | null }[] =
      [];
    for (const variant of chosen) {
      const whoami = variant === "bare" || variant === "floor" || variant === "ready";
      const child = registry.start({
        script,
        args: [JSON.stringify(specOf(variant, database, fixture.user.whoamiBody, floorHeaders))],
        label: variant,
        core: 0,
        logFile: join(dir, `${variant}.log`),
        // --perf-basic-prof also has V8 write a code log, by default into the working directory.
        ...(values.perf === undefined
          ? {}
          : {
              nodeFlags: [
                "--perf-basic-prof",
                "--no-logfile-per-isolate",
                `--logfile=${join(values.perf, `${variant}.v8.log`)}`,
              ],
            }),
      });
      const port = await child.next((m) => (m.type === "ready" ? m.port : null), 30_000);
      const path = whoami ? WHOAMI : APP_ROUTE;
      // The bare route baselines get no cookie, as in the bench; the whoami ones get the same
      // request as the ready server (the cookie's bytes are parsed by llhttp either way).
      const cookie = variant.endsWith("-bare") ? null : fixture.tokens;
      await load(port, path, cookie, warmup, connections, timeoutMs);
      servers.push({ variant, pid: child.pid, port, path, cookie });
    }
    const cpu: Record<string, number[]> = {};
    for (let round = 0; round < rounds; round++) {
      for (const { variant, pid, port, path, cookie } of servers) {
        const before = sample(pid);
        const received = await load(port, path, cookie, requests, connections, timeoutMs);
        const m = measured(pid, before, sample(pid), received, ticks);
        (cpu[variant] ??= []).push(m.userUs + m.systemUs);
        const others = Object.entries(m.otherByName)
          .filter(([, value]) => value > 0)
          .map(([name, value]) => `${name} ${fixed(value)}`)
          .join(", ");
        console.log(
          `${variant.padEnd(16)} user ${fixed(m.userUs).padStart(5)} µs  sys ${fixed(m.systemUs).padStart(5)} µs  main thread ${fixed(m.mainUs).padStart(5)} µs  others ${fixed(m.otherUs).padStart(4)} µs${others === "" ? "" : ` (${others})`}  reads ${fixed(m.reads, 2)}  writes ${fixed(m.writes, 2)}  vol. switches ${fixed(m.switches, 2)}  minor faults ${fixed(m.faults, 2)}  answer ${fixed(m.answerBytes, 0)} B`,
        );
      }
    }
    for (const [variant, values] of Object.entries(cpu)) {
      const sorted = [...values].sort((a, b) => a - b);
      console.log(
        `${variant.padEnd(16)} CPU per request, median of ${sorted.length}: ${fixed(sorted[Math.floor(sorted.length / 2)] ?? 0)} µs (${sorted.map((v) => fixed(v)).join(", ")})`,
      );
    }
    if (values.strace) {
      for (const { variant, pid, port, path, cookie } of servers) {
        const calls = await straceCounts(pid, () => load(port, path, cookie, requests, connections, timeoutMs * 5));
        const listed = Object.entries(calls)
          .sort(([, a], [, b]) => b - a)
          .map(([name, value]) => `${name} ${fixed(value, 3)}`)
          .join(", ");
        console.log(`${variant.padEnd(16)} strace -f -c, calls per request: ${listed}`);
      }
    }
    const perfDir = values.perf;
    if (perfDir !== undefined) {
      for (const { variant, pid, port, path, cookie } of servers) {
        const file = join(perfDir, `${variant}.data`);
        await perfRecord(pid, file, () => load(port, path, cookie, requests, connections, timeoutMs));
        console.log(
          `${variant.padEnd(16)} perf record: ${file} (perf report -i ${file} --no-children --sort sym; JIT names in /tmp/perf-${pid}.map)`,
        );
      }
    }
  } finally {
    await registry.stopAll();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
