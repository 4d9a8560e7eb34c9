import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { createTestClient, waitUntil } from "@latchkey/testkit";
import { runLatchkey, startServe, tempDir } from "./latchkey-process.js";

// The memory-tuned start of `latchkey serve` (packages/cli/src/memory-tuned-serve.ts) reads
// /proc and exists on Linux only.
const skip = process.platform === "linux" ? false : "Linux only: the memory-tuned serve and /proc exist only there";
if (skip !== false) console.warn(`SKIPPED serve-memory tests: ${skip}`);

/** The pids of `pid`'s child processes. */
function childrenOf(pid: number): number[] {
  const text = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim();
  return text === "" ? [] : text.split(" ").map(Number);
}

function alive(pid: number): boolean {
  return existsSync(`/proc/${pid}/status`) && !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
}

function environOf(pid: number): string[] {
  return readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
}

/** The node flags a process runs with: its command line between the node binary and the script. */
function nodeFlagsOf(pid: number): string[] {
  const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
  const script = argv.findIndex((arg, i) => i > 0 && !arg.startsWith("-"));
  return argv.slice(1, script === -1 ? argv.length : script);
}

describe("latchkey serve keeps its resident memory small", { skip }, () => {
  let dir: { path: string; cleanup(): void };
  before(async () => {
    dir = tempDir("latchkey-serve-memory-");
    const migrated = await runLatchkey(["migrate"], { cwd: dir.path });
    assert.equal(migrated.code, 0, migrated.stderr);
  });
  after(() => dir?.cleanup());

  it("runs the server in one child process with MALLOC_ARENA_MAX=1, an 8 MiB semi-space and a 20 % old-generation growth, and stops it on SIGTERM", async () => {
    const server = await startServe(["--port", "0"], { cwd: dir.path });
    const pid = server.child.pid ?? -1;
    const [child, ...others] = childrenOf(pid);
    assert.ok(child !== undefined && others.length === 0, "exactly one server process under latchkey");
    assert.ok(environOf(child).includes("MALLOC_ARENA_MAX=1"));
    const flags = nodeFlagsOf(child);
    assert.ok(flags.includes("--max-semi-space-size=8"), flags.join(" "));
    assert.ok(flags.includes("--heap-growing-percent=20"), flags.join(" "));
    assert.equal((await createTestClient(server.url).get("/api/csrf/")).status, 200, "the child serves");
    assert.equal(await server.stop(), 0, "SIGTERM reaches the server, which shuts down cleanly");
    assert.equal(alive(child), false, "no server is left behind");
  });

  it("shuts down gracefully, exit 0, when SIGTERM reaches the supervisor and the server at once (as systemd's stop sends it)", async () => {
    const server = await startServe(["--port", "0"], { cwd: dir.path });
    const pid = server.child.pid ?? -1;
    const [child] = childrenOf(pid);
    assert.ok(child !== undefined);
    process.kill(child, "SIGTERM");
    assert.equal(await server.stop("SIGTERM"), 0, "one graceful stop, not a forced exit");
    assert.ok(!server.logs.some((line) => line.event === "forced_exit"));
  });

  it("keeps a semi-space size the operator gives in NODE_OPTIONS and still adds the old-generation growth", async () => {
    const server = await startServe(["--port", "0"], {
      cwd: dir.path,
      env: { NODE_OPTIONS: "--max-semi-space-size=16" },
    });
    try {
      const [child] = childrenOf(server.child.pid ?? -1);
      assert.ok(child !== undefined);
      assert.ok(environOf(child).includes("NODE_OPTIONS=--max-semi-space-size=16"));
      const flags = nodeFlagsOf(child);
      assert.ok(!flags.some((flag) => flag.startsWith("--max-semi-space-size")), flags.join(" "));
      assert.ok(flags.includes("--heap-growing-percent=20"), flags.join(" "));
      assert.equal((await createTestClient(server.url).get("/api/csrf/")).status, 200, "node took the flags");
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });

  it("runs the server in the latchkey process itself when the operator set MALLOC_ARENA_MAX", async () => {
    const server = await startServe(["--port", "0"], { cwd: dir.path, env: { MALLOC_ARENA_MAX: "2" } });
    try {
      assert.deepEqual(childrenOf(server.child.pid ?? -1), []);
      assert.equal((await createTestClient(server.url).get("/api/csrf/")).status, 200);
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });

  it("stops the server when its supervising latchkey process is killed, instead of leaving an orphan holding the port", async () => {
    const server = await startServe(["--port", "0"], { cwd: dir.path });
    const [child] = childrenOf(server.child.pid ?? -1);
    assert.ok(child !== undefined);
    await server.stop("SIGKILL");
    await waitUntil("the orphaned server to stop", async () => !alive(child), { timeoutMs: 20_000 });
  });
});
