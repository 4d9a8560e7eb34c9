import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { cliFixture, PASSWORD, whoamiStatus, type CliFixture } from "./cli-fixture.js";
import { LATCHKEY_BIN } from "../server/latchkey-process.js";

/**
 * util-linux `script` runs a command on a pseudo-terminal, so the hidden prompts of
 * @inquirer/password can be driven like a person at a keyboard.
 */
const HAS_SCRIPT = spawnSync("script", ["--version"]).status === 0;
const SKIP = HAS_SCRIPT
  ? false
  : process.env.CI === "true"
    ? false
    : "SKIPPED: util-linux `script` is not installed, so no pseudo-terminal can be made";

/** One exchange: wait until the output shows `expect` (after the previous one), then type `type` (if any). */
type Step = { expect: string; type?: string };

/** Runs `latchkey <args>` on a pseudo-terminal, answering prompts in order; resolves with the exit code and output. */
function runOnTerminal(
  args: readonly string[],
  cwd: string,
  steps: readonly Step[],
  env: Readonly<Record<string, string>> = {},
): Promise<{ code: number | null; output: string }> {
  assert.ok(HAS_SCRIPT, "util-linux `script` is required for the terminal tests (CI=true makes its absence a failure)");
  const command = [process.execPath, LATCHKEY_BIN, ...args].map((part) => `'${part.replace(/'/g, "'\\''")}'`).join(" ");
  const child = spawn("script", ["-qfec", command, "/dev/null"], {
    cwd,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", TERM: "dumb", ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let output = "";
  let from = 0;
  const pending = [...steps];
  const advance = () => {
    for (let step = pending[0]; step !== undefined; step = pending[0]) {
      const at = output.indexOf(step.expect, from);
      if (at === -1) return;
      from = at + step.expect.length;
      pending.shift();
      if (step.type !== undefined) child.stdin.write(step.type);
    }
  };
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    output += chunk;
    advance();
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => {
      if (pending.length > 0)
        reject(new Error(`the command ended before showing ${JSON.stringify(pending[0]?.expect)}; output:\n${output}`));
      else resolve({ code, output });
    });
  });
}

describe("interactive prompts on a terminal", { skip: SKIP, timeout: 60_000 }, () => {
  let f: CliFixture;
  before(async () => {
    f = await cliFixture(["erin"]);
  });
  after(() => f?.close());

  it("createsuperuser asks for username, email and a hidden password twice, re-asking after a refusal", async () => {
    const { code, output } = await runOnTerminal(["createsuperuser"], f.dir, [
      { expect: "Username", type: "erin\r" },
      { expect: "That username is already taken." },
      { expect: "Username", type: "frank\r" },
      { expect: "Email address:", type: "frank@example.com\r" },
      { expect: "Password:", type: "short\r" },
      { expect: "Password (again):", type: "short\r" },
      { expect: "This password is too short" },
      { expect: "Password:", type: "one passphrase\r" },
      { expect: "Password (again):", type: "another passphrase\r" },
      { expect: "Your passwords didn't match." },
      { expect: "Password:", type: `${PASSWORD}\r` },
      { expect: "Password (again):", type: `${PASSWORD}\r` },
      { expect: 'Superuser "frank" created successfully.' },
    ]);
    assert.equal(code, 0, output);
    assert.ok(!output.includes(PASSWORD) && !output.includes("one passphrase"), "the password is never echoed");
    assert.equal(await whoamiStatus(await f.loggedIn("frank")), 200);
  });

  it("changepassword asks twice, hidden, and ends the user's sessions", async () => {
    const client = await f.loggedIn("erin");
    const { code, output } = await runOnTerminal(["changepassword", "erin"], f.dir, [
      { expect: "Password:", type: "terminal passphrase 1\r" },
      { expect: "Password (again):", type: "terminal passphrase 1\r" },
      { expect: "Password changed successfully" },
    ]);
    assert.equal(code, 0, output);
    assert.equal(await whoamiStatus(client), 401);
    assert.equal(await whoamiStatus(await f.loggedIn("erin", "terminal passphrase 1")), 200);
  });

  it("changepassword gives up after three mismatched attempts, changing nothing", async () => {
    const steps: Step[] = [];
    for (let i = 0; i < 3; i++)
      steps.push(
        { expect: "Password:", type: `attempt ${i} passphrase\r` },
        { expect: "Password (again):", type: `different ${i} passphrase\r` },
      );
    steps.push({ expect: "no acceptable password after 3 attempts" });
    const { code, output } = await runOnTerminal(["changepassword", "erin"], f.dir, steps);
    assert.equal(code, 1, output);
    assert.equal(await whoamiStatus(await f.loggedIn("erin", "terminal passphrase 1")), 200);
  });
});
