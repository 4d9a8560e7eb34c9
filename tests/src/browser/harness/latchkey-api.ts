import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { LATCHKEY_BIN } from "../../server/latchkey-process.js";
import { runToEnd, startChild, type OutputLine, type RunningChild } from "./child-process.js";

/** The test-only server program with a clock the test moves (see clocked-serve.ts). */
const CLOCKED_SERVE = fileURLToPath(new URL("./clocked-serve.js", import.meta.url));

/** The test user every mode logs in as. */
export const USER = Object.freeze({
  username: "alice",
  email: "alice@example.com",
  password: "latchkey-browser-test-5531",
});

/** A `latchkey serve` process (the ready server) on a free loopback port. */
export interface LatchkeyApi {
  /** `http://127.0.0.1:<port>`, from its `listening` log line. */
  readonly url: string;
  readonly port: number;
  readonly process: RunningChild;
  /** Its JSON log lines (pino), parsed. */
  logs(): readonly OutputLine[];
  /** The first request log line for `method path` (past or future). */
  requestLine(method: string, path: string): Promise<OutputLine>;
  /**
   * Moves the server's clock forward (started with `controlledClock` only; otherwise
   * rejects), resolving once the server confirmed it. Time windows then pass without waiting.
   */
  advanceClock(seconds: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts the ready server exactly as a user would: `latchkey serve` through the package's bin,
 * configured only by `LATCHKEY_*` environment variables (docs/configuration.md), with its
 * SQLite file in `dataDir`, then creates the test user with
 * `latchkey createsuperuser --noinput` over the same file (WAL lets both open it).
 */
export async function startLatchkeyApi(options: {
  dataDir: string;
  env?: Readonly<Record<string, string>>;
  spaDir?: string;
  controlledClock?: boolean;
}): Promise<LatchkeyApi> {
  // requestLine() reads the access log, which is off by default in production mode.
  const env = {
    LATCHKEY_DATA_DIR: options.dataDir,
    LATCHKEY_HOST: "127.0.0.1",
    LATCHKEY_PORT: "0",
    LATCHKEY_ACCESS_LOG_ENABLED: "true",
    ...options.env,
  };
  const controlled = options.controlledClock === true;
  // With controlledClock: the same server and settings through startServer({ clock }) in the
  // test-only clocked-serve.js, whose clock advanceClock() moves over stdin.
  const args = controlled
    ? [CLOCKED_SERVE, ...(options.spaDir === undefined ? [] : [options.spaDir])]
    : [LATCHKEY_BIN, "serve", ...(options.spaDir === undefined ? [] : ["--spa", options.spaDir])];
  const child = startChild(process.execPath, args, {
    cwd: options.dataDir,
    env,
    ...(controlled ? { stdin: "pipe" as const } : {}),
  });
  let offsetMs = 0;
  const listening = await child.waitForLine(
    "the `listening` log line of latchkey serve",
    (line) => line.event === "listening",
  );
  const url = String(listening.url);
  await createUser(options.dataDir);
  return {
    url,
    port: Number(new URL(url).port),
    process: child,
    logs: () => child.lines,
    requestLine: (method, path) =>
      child.waitForLine(
        `the log line of ${method} ${path}`,
        (line) => line.event === "request" && line.method === method && line.path === path,
      ),
    async advanceClock(seconds) {
      if (!controlled) throw new Error("advanceClock() needs startLatchkeyApi({ controlledClock: true })");
      offsetMs += seconds * 1000;
      const expected = offsetMs;
      child.write(`advance ${seconds}\n`);
      await child.waitForLine(
        `the server's clock ${expected} ms ahead`,
        (line) => line.event === "clock_advanced" && line.offsetMs === expected,
      );
    },
    stop: () => child.stop("SIGTERM", 10_000),
  };
}

/** `latchkey createsuperuser --noinput` for {@link USER}, in the database under `dataDir` (or `databaseFile`). */
export async function createUser(dataDir: string, databaseFile?: string): Promise<void> {
  const env: Record<string, string> = { LATCHKEY_DATA_DIR: dataDir, LATCHKEY_SUPERUSER_PASSWORD: USER.password };
  if (databaseFile !== undefined) env.LATCHKEY_DATABASE = databaseFile;
  const result = await runToEnd(
    process.execPath,
    [LATCHKEY_BIN, "createsuperuser", "--noinput", "--username", USER.username, "--email", USER.email],
    { cwd: dataDir, env },
  );
  if (result.code !== 0)
    throw new Error(`latchkey createsuperuser failed (exit ${String(result.code)}):\n${result.output}`);
}

/** Runs `latchkey serve` with `env` expecting it to refuse to start; resolves with its output. */
export async function serveExpectingRefusal(
  dataDir: string,
  env: Readonly<Record<string, string>>,
): Promise<{ code: number | null; output: string }> {
  return runToEnd(process.execPath, [LATCHKEY_BIN, "serve"], {
    cwd: dataDir,
    env: { LATCHKEY_DATA_DIR: join(dataDir, "data"), LATCHKEY_PORT: "0", ...env },
  });
}
