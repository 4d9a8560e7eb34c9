import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { get } from "node:http";
import { describe, it } from "node:test";
import { waitUntil } from "@latchkey/testkit";
import { runLatchkey, startServe, tempDir, type LogLine, type ServeProcess } from "../server/latchkey-process.js";
import { createBrowser, PASSWORD } from "./scale-fixture.js";

const TEST_TIMEOUT_MS = 120_000;

/** The pids of the workers that logged a request line. */
function requestPids(logs: readonly LogLine[]): Set<number> {
  return new Set(
    logs.filter((line) => line.event === "request" && typeof line.pid === "number").map((line) => Number(line.pid)),
  );
}

/**
 * `GET /api/whoami/` on a new TCP connection: node:cluster hands out connections, not
 * requests, so a kept-alive connection would always reach the same worker.
 */
function whoamiOnNewConnection(server: ServeProcess, cookie: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = get(
      `${server.url}/api/whoami/`,
      { agent: false, headers: { cookie: `sessionid=${cookie}` } },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
  });
}

/** Sends requests (bounded) until `count` different workers have answered some. */
async function reachWorkers(server: ServeProcess, cookie: string, count: number): Promise<Set<number>> {
  await waitUntil(
    `${count} workers to answer`,
    async () => {
      const statuses = await Promise.all(Array.from({ length: 6 }, () => whoamiOnNewConnection(server, cookie)));
      assert.deepEqual(statuses, [200, 200, 200, 200, 200, 200]);
      return requestPids(server.logs).size >= count;
    },
    { timeoutMs: 30_000, intervalMs: 10 },
  );
  return requestPids(server.logs);
}

describe("latchkey serve --workers 3", () => {
  it("serves one port from three processes sharing one SQLite database, and replaces a killed worker", {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const dir = tempDir("latchkey-workers-");
    const env = { LATCHKEY_THROTTLE_ENABLED: "false" };
    let server: ServeProcess | undefined;
    try {
      const migrated = await runLatchkey(["migrate"], { cwd: dir.path, env });
      assert.equal(migrated.code, 0, migrated.stderr);
      const created = await runLatchkey(["createsuperuser", "--noinput", "--username", "wanda"], {
        cwd: dir.path,
        env: { ...env, LATCHKEY_SUPERUSER_PASSWORD: PASSWORD },
      });
      assert.equal(created.code, 0, created.stderr);
      server = await startServe(["--port", "0", "--workers", "3"], { cwd: dir.path, env });
      const running = server;
      const ready = await running.waitForLog((line) => line.event === "workers_listening");
      const primaryPid = Number(ready.pid);
      // On Linux `latchkey serve` runs the server (here the primary) as its one child with the
      // allocator tuned (docs/production.md, "Resident memory"); elsewhere it is the process itself.
      const started = running.child.pid ?? -1;
      const expectedPrimary =
        process.platform === "linux"
          ? Number(readFileSync(`/proc/${started}/task/${started}/children`, "utf8").trim().split(" ")[0])
          : started;
      assert.equal(primaryPid, expectedPrimary, "the primary is the process we started (or, on Linux, its one child)");
      assert.ok(Array.isArray(ready.pids) && ready.pids.length === 3);

      const browser = createBrowser();
      assert.equal((await browser.login(running, "wanda")).status, 200);
      const cookie = browser.cookie("sessionid") ?? "";
      const pids = await reachWorkers(running, cookie, 3);
      assert.equal(pids.size, 3, "three worker pids answered");
      assert.ok(!pids.has(primaryPid), "the primary serves no request itself");

      // A worker dies as in a crash; the primary starts another, and service goes on.
      const [victim] = [...pids];
      assert.ok(victim !== undefined);
      process.kill(victim, "SIGKILL");
      const exited = await running.waitForLog((line) => line.event === "worker_exited" && line.workerPid === victim);
      assert.equal(exited.signal, "SIGKILL");
      const replacement = await running.waitForLog(
        (line) => line.event === "listening" && Number(line.pid) !== primaryPid && !pids.has(Number(line.pid)),
      );
      for (let i = 0; i < 12; i += 1)
        assert.equal(await whoamiOnNewConnection(running, cookie), 200, "every request is answered by a live worker");
      const afterKill = await reachWorkers(running, cookie, 4);
      assert.ok(afterKill.has(Number(replacement.pid)), "the replacement answers requests");

      const code = await running.stop("SIGTERM");
      assert.equal(code, 0, running.stderr());
      assert.ok(running.logs.some((line) => line.event === "stopped" && Number(line.pid) === primaryPid));
      for (const pid of [...afterKill].filter((p) => p !== victim)) {
        assert.throws(() => process.kill(pid, 0), "every worker has exited");
      }
    } finally {
      if (server !== undefined && server.child.exitCode === null) await server.stop("SIGKILL");
      dir.cleanup();
    }
  });
});
