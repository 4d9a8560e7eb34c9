/**
 * One server under test, in a child process of its own (pinned to core 0 with its store):
 * `node server-child.js '<ServerSpec JSON>' [--monitor-event-loop]`. It listens on a free
 * port of 127.0.0.1, tells the runner the port over IPC, and answers `stats` requests
 * (event-loop delay when monitored, heap). It exits on SIGTERM or when the runner goes away.
 */
import { copyFileSync, existsSync } from "node:fs";
import { monitorEventLoopDelay, type IntervalHistogram } from "node:perf_hooks";
import { parseRunnerMessage, type ServerStats } from "./messages.js";
import { parseServerSpec } from "./servers/server-spec.js";
import { startServer } from "./servers/start-server.js";

function send(message: unknown): void {
  process.send?.(message);
}

/**
 * A copy of a SQLite fixture for this server alone (with its `-wal` file, if any), next to
 * it. A deployed single-process server is the only server on its file and so skips the
 * per-lookup `PRAGMA data_version` probe; servers of one round sharing a fixture would see
 * each other and probe on every lookup, which no single-server deployment pays.
 */
function ownCopy(database: string): string {
  const copy = `${database}.${process.pid}.sqlite3`;
  copyFileSync(database, copy);
  if (existsSync(`${database}-wal`)) copyFileSync(`${database}-wal`, `${copy}-wal`);
  return copy;
}

async function main(): Promise<void> {
  const spec = parseServerSpec(process.argv[2] ?? "");
  let loop: IntervalHistogram | null = null;
  if (process.argv.includes("--monitor-event-loop")) {
    // 1 ms sampling: fine enough to see a stall of a few ms, cheap enough not to be one.
    loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
  }
  const server = await startServer(spec, ownCopy);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    const forced = setTimeout(() => process.exit(0), 3_000);
    forced.unref();
    server.close().finally(() => process.exit(0));
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  process.on("disconnect", stop);
  process.on("message", (raw: unknown) => {
    const message = parseRunnerMessage(raw);
    if (message?.type !== "stats") return;
    const stats: ServerStats = {
      eventLoop:
        loop === null ? null : { p50: loop.percentile(50) / 1e6, p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 },
      heapUsedBytes: process.memoryUsage().heapUsed,
    };
    if (message.reset) loop?.reset();
    send({ type: "stats", stats });
  });
  send({ type: "ready", port: server.port });
}

main().catch((error: unknown) => {
  send({ type: "failed", message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 100);
});
