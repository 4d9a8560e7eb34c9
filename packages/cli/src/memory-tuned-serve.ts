import { spawn } from "node:child_process";
import { constants } from "node:os";

/**
 * Where the ready server's resident memory goes, and what this file does about it.
 *
 * Measured with `latchkey serve` on SQLite after 80 logins and 20,000 whoami requests
 * (docs/production.md, "Resident memory"): about 200 MiB resident, of which the live JS
 * heap is only ~20 MiB. The rest:
 * - glibc gives every thread that calls malloc an arena of its own. argon2id allocates its
 *   19 MiB block on whichever of libuv's 4 pool threads runs the hash; once a block that size
 *   has been freed, glibc raises its mmap threshold and keeps later blocks in the thread's
 *   arena, so after a login load each pool thread holds 19 MiB it no longer uses (~76 MiB).
 *   `MALLOC_ARENA_MAX=1` makes all threads share one arena, so the freed block is reused by
 *   the next hash on any thread. (Forcing those blocks back to mmap instead, with
 *   `MALLOC_MMAP_THRESHOLD_`, returns the memory too but made each verification ~3× slower:
 *   the kernel zeroes 19 MiB per hash.)
 * - V8 grows its young generation to two 16 MiB semi-spaces under request load; 8 MiB each
 *   (`--max-semi-space-size=8`) saves 16 MiB for a few more (cheap) scavenges.
 * - After each full GC V8 lets the old generation grow to its live size times a factor it
 *   picks from the GC's speed against the allocation rate, up to 4× on a machine with a few
 *   GiB of RAM. Under a whoami load the live heap stays ~24 MiB, yet the old space was seen at
 *   51–71 MiB when the load ended. `--heap-growing-percent=20` fixes the factor at 1.2 (V8
 *   still grows by at least 8 MiB plus one semi-space), which kept it at 30–33 MiB.
 * - What stays resident and why it is kept: the 19 MiB block of the last argon2 verification
 *   (glibc keeps it at the top of its one arena). Returning it after each verification
 *   (`MALLOC_MMAP_THRESHOLD_`, `MALLOC_TRIM_THRESHOLD_`, or jemalloc) made each one 3–4× as
 *   costly on our VM, where faulting in 19 MiB of fresh pages costs more than the hash.
 *
 * glibc reads `MALLOC_ARENA_MAX` once, at process start, and V8 sizes its heap at start, so
 * both must be set before the server's process exists. Node 20 cannot exec itself in place,
 * so `latchkey serve` starts the server as one child process with them set and stays as a
 * small supervisor (~9 MiB of its own): it passes signals on and exits with the child's code.
 * Setting `MALLOC_ARENA_MAX` yourself (any value) turns this off: the server then runs in
 * this very process, as configured.
 */

/** Names the supervisor's pid in the server's environment (no `LATCHKEY_` prefix: not a setting). */
const SUPERVISOR_VAR = "__LATCHKEY_SUPERVISOR_PID";

/** The semi-space limit given to the server process unless the caller set one. MiB. */
export const SERVER_SEMI_SPACE_MIB = 8;

/** How far V8 lets the old generation grow past its live size after a full GC, unless the caller set it. Percent. */
export const SERVER_HEAP_GROWING_PERCENT = 20;

/** True if `latchkey <argv>` should start the server in a memory-tuned child process. */
export function wantsMemoryTunedServe(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform,
): boolean {
  return (
    platform === "linux" &&
    argv[0] === "serve" &&
    !argv.includes("--help") &&
    !argv.includes("-h") &&
    env["MALLOC_ARENA_MAX"] === undefined
  );
}

/**
 * The node flags of the child: this process's own, plus the semi-space limit and the old
 * generation's growing percent, each unless node's flags or NODE_OPTIONS already give it.
 */
export function childNodeFlags(execArgv: readonly string[], nodeOptions: string | undefined): string[] {
  const given = (name: string): boolean =>
    [...execArgv, nodeOptions ?? ""].some((flag) => flag.replaceAll("_", "-").includes(name));
  return [
    ...execArgv,
    ...(given("semi-space-size") ? [] : [`--max-semi-space-size=${SERVER_SEMI_SPACE_MIB}`]),
    ...(given("heap-growing-percent") ? [] : [`--heap-growing-percent=${SERVER_HEAP_GROWING_PERCENT}`]),
  ];
}

/**
 * Runs this same `latchkey` command line in a child process with `MALLOC_ARENA_MAX=1` and the
 * heap flags of {@link childNodeFlags}, and resolves to the exit code to leave with once the child has exited.
 * SIGTERM and SIGINT reach the child as one `{ latchkeyStop: signal }` message each: the child
 * ignores the signals themselves, because Ctrl-C and systemd's stop deliver them to both
 * processes and a second signal forces the server out without a graceful shutdown. The child
 * stops by itself if this process dies (its IPC channel closes; see `serve`).
 */
export function runMemoryTunedServe(script: string, argv: readonly string[]): Promise<number> {
  const child = spawn(
    process.execPath,
    [...childNodeFlags(process.execArgv, process.env["NODE_OPTIONS"]), script, ...argv],
    {
      stdio: ["inherit", "inherit", "inherit", "ipc"],
      env: { ...process.env, MALLOC_ARENA_MAX: "1", [SUPERVISOR_VAR]: String(process.pid) },
    },
  );
  const forward = (signal: "SIGTERM" | "SIGINT") => () => {
    if (child.connected) child.send({ latchkeyStop: signal });
    else child.kill("SIGKILL");
  };
  const onTerm = forward("SIGTERM");
  const onInt = forward("SIGINT");
  process.on("SIGTERM", onTerm);
  process.on("SIGINT", onInt);
  return new Promise((resolve) => {
    const done = (code: number) => {
      process.off("SIGTERM", onTerm);
      process.off("SIGINT", onInt);
      resolve(code);
    };
    child.once("error", (error) => {
      process.stderr.write(`Error: could not start the server process: ${error.message}\n`);
      done(1);
    });
    child.once("exit", (code, signal) => done(code ?? (signal === null ? 1 : 128 + constants.signals[signal])));
  });
}

/**
 * In the server process started by {@link runMemoryTunedServe}: ignores SIGTERM and SIGINT
 * (they reach this process beside the supervisor, which passes each on once as a message)
 * and calls `stop` for each stop message, and with "disconnect" once if the supervisor dies,
 * so the server never lives on as an orphan nobody can signal. Returns false, doing
 * nothing, when this process was not started that way.
 */
export function obeySupervisor(stop: (reason: "SIGTERM" | "SIGINT" | "disconnect") => void): boolean {
  const channel = process.channel;
  // Only under our own supervisor (its pid is our parent's): a process another tool started
  // with an IPC channel keeps its ordinary signal handling.
  if (channel === undefined || process.env[SUPERVISOR_VAR] !== String(process.ppid)) return false;
  process.on("SIGTERM", () => {});
  process.on("SIGINT", () => {});
  process.on("message", (message: unknown) => {
    const signal =
      typeof message === "object" && message !== null && "latchkeyStop" in message ? message.latchkeyStop : null;
    if (signal === "SIGTERM" || signal === "SIGINT") stop(signal);
  });
  process.once("disconnect", () => stop("disconnect"));
  channel.unref();
  return true;
}
