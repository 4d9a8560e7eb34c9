import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { logTail, type BenchChild } from "./children.js";
import type { BenchContext } from "./context.js";
import type { ServerStats } from "./messages.js";
import type { ServerSpec } from "./servers/server-spec.js";

const SERVER_SCRIPT = fileURLToPath(new URL("./server-child.js", import.meta.url));
/** A server must be listening within this. Milliseconds. */
const START_TIMEOUT_MS = 60_000;

/** A server under test, running in its own child process. */
export interface ServerHandle {
  readonly label: string;
  readonly pid: number;
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** The child's own view (event-loop delay, heap); `reset` restarts the event-loop histogram. */
  stats(reset: boolean): Promise<ServerStats>;
  stop(): Promise<void>;
}

/** How to start a server beyond its spec. */
export interface ServerOptions {
  label: string;
  /** Added to the child's environment (UV_THREADPOOL_SIZE, ...). */
  env?: Readonly<Record<string, string>>;
  /** Sample event-loop delay (for the login-storm scenario). */
  monitorEventLoop?: boolean;
  /** Extra node flags, e.g. `--cpu-prof --cpu-prof-dir=<dir>` to profile the server. */
  nodeFlags?: readonly string[];
}

/** Flags for node from BENCH_SERVER_NODE_FLAGS (space-separated), to profile servers without editing the bench. */
export function serverNodeFlagsFromEnv(): string[] {
  const text = process.env["BENCH_SERVER_NODE_FLAGS"] ?? "";
  return text.split(" ").filter((flag) => flag !== "");
}

/** Starts `spec` in a child pinned to core 0 and resolves once it listens. */
export async function startServerChild(
  ctx: BenchContext,
  spec: ServerSpec,
  options: ServerOptions,
): Promise<ServerHandle> {
  const logFile = join(ctx.workDir, `server-${options.label.replace(/[^a-z0-9]+/gi, "-").toLowerCase()}.log`);
  const child: BenchChild = ctx.registry.start({
    script: SERVER_SCRIPT,
    args: [JSON.stringify(spec), ...(options.monitorEventLoop === true ? ["--monitor-event-loop"] : [])],
    label: `server (${options.label})`,
    core: 0,
    logFile,
    ...(options.env === undefined ? {} : { env: options.env }),
    nodeFlags: [...serverNodeFlagsFromEnv(), ...(options.nodeFlags ?? [])],
  });
  let port: number;
  try {
    port = await child.next((m) => (m.type === "ready" ? m.port : null), START_TIMEOUT_MS);
  } catch (error) {
    await child.stop();
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${logTail(logFile)}`);
  }
  ctx.log(`  started ${options.label} (pid ${child.pid}, ${`http://127.0.0.1:${port}`})`);
  return {
    label: options.label,
    pid: child.pid,
    origin: `http://127.0.0.1:${port}`,
    async stats(reset) {
      const answer = child.next((m) => (m.type === "stats" ? m.stats : null), 10_000);
      child.send({ type: "stats", reset });
      return answer;
    },
    stop: () => child.stop(),
  };
}
