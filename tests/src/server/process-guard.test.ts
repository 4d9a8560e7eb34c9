import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

/** The tests workspace, where `@latchkey/server` resolves. */
const TESTS_DIR = fileURLToPath(new URL("../../", import.meta.url));

/** Runs an ES module in a fresh Node process that installs the guard first; its exit code and log lines. */
function runGuarded(body: string): Promise<{ code: number | null; lines: Record<string, unknown>[] }> {
  const script = `
    import { installProcessGuard } from "@latchkey/server";
    const log = (level) => (fields, msg) => console.log(JSON.stringify({ level, ...fields, msg }));
    const logger = { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") };
    installProcessGuard({ logger, shutdown: () => { console.log(JSON.stringify({ event: "shutdown_started" })); setImmediate(() => process.exit(1)); } });
    ${body}
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
      cwd: TESTS_DIR,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      const lines = out
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      resolve({ code, lines });
    });
  });
}

describe("the ready server's process guard", () => {
  it("logs a promise rejection nothing handles and keeps the process running", { timeout: 30_000 }, async () => {
    const { code, lines } = await runGuarded(`
      Promise.reject(new Error("the sync marker did not come back within 5000 ms"));
      setTimeout(() => { console.log(JSON.stringify({ event: "still_running" })); process.exit(0); }, 50);
    `);
    assert.equal(code, 0, "the process was not ended by the rejection");
    const logged = lines.find((line) => line.event === "unhandled_rejection");
    assert.ok(logged !== undefined, JSON.stringify(lines));
    assert.equal(logged.level, "error");
    assert.match(JSON.stringify(logged.err), /the sync marker did not come back/);
    assert.ok(lines.some((line) => line.event === "still_running"));
  });

  it("logs a flood of rejections at most five lines a second and counts the rest", { timeout: 30_000 }, async () => {
    const { code, lines } = await runGuarded(`
      for (let i = 0; i < 1000; i += 1) Promise.reject(new Error("rejection " + i));
      setTimeout(() => process.exit(0), 50);
    `);
    assert.equal(code, 0);
    const logged = lines.filter((line) => line.event === "unhandled_rejection");
    assert.ok(logged.length >= 1 && logged.length <= 10, `${logged.length} lines`);
  });

  it("logs an uncaught exception and shuts down gracefully with exit code 1, as in-memory state may be half-updated", {
    timeout: 30_000,
  }, async () => {
    const { code, lines } = await runGuarded(`
      setImmediate(() => { throw new Error("a callback threw"); });
      setTimeout(() => { console.log(JSON.stringify({ event: "still_running" })); process.exit(0); }, 2000);
    `);
    assert.equal(code, 1);
    const logged = lines.find((line) => line.event === "uncaught_exception");
    assert.ok(logged !== undefined, JSON.stringify(lines));
    assert.match(JSON.stringify(logged.err), /a callback threw/);
    assert.ok(
      lines.some((line) => line.event === "shutdown_started"),
      "the graceful shutdown was started",
    );
    assert.ok(!lines.some((line) => line.event === "still_running"));
  });
});
