import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { after, before, describe, it } from "node:test";
import { REPO_ROOT, tempDir } from "../server/latchkey-process.js";

const run = promisify(execFile);

const PASSING_TEST = `import { it } from "node:test";\nit("passes", () => {});\n`;

// A checkout whose own folder name ("redisb", like the worktree /work/wt/redisb) contains the filter text, with one
// compiled test file that is about Redis and two that are not.
describe("node scripts/test.mjs with a filter", () => {
  let dir: { path: string; cleanup(): void };
  let checkout: string;
  before(() => {
    dir = tempDir("latchkey-test-filter-");
    checkout = join(dir.path, "redisb");
    mkdirSync(join(checkout, "scripts"), { recursive: true });
    copyFileSync(join(REPO_ROOT, "scripts", "test.mjs"), join(checkout, "scripts", "test.mjs"));
    for (const folder of ["packages/store-redis/dist", "packages/core/dist", "tests/dist/cli"]) {
      mkdirSync(join(checkout, folder), { recursive: true });
    }
    writeFileSync(join(checkout, "packages/store-redis/dist/redis-store.test.js"), PASSING_TEST);
    writeFileSync(join(checkout, "packages/core/dist/csrf.test.js"), PASSING_TEST);
    writeFileSync(join(checkout, "tests/dist/cli/help.test.js"), PASSING_TEST);
  });
  after(() => dir?.cleanup());

  async function testScript(...filters: string[]): Promise<{ files: string[]; lastLine: string }> {
    const { stdout } = await run(process.execPath, [join(checkout, "scripts", "test.mjs"), ...filters], {
      cwd: checkout,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
      timeout: 60_000,
    });
    const lines = stdout.trim().split("\n");
    const files = lines.filter((line) => /^ {2}\S+\.test\.js$/.test(line)).map((line) => line.trim());
    return { files, lastLine: lines.at(-1) ?? "" };
  }

  it("runs only the files whose repository-relative path contains the text, not every file of a checkout whose folder name contains it", async () => {
    const { files, lastLine } = await testScript("redis");
    assert.deepEqual(files, ["packages/store-redis/dist/redis-store.test.js"]);
    assert.equal(lastLine, "1 passed, 0 failed");
  });

  it("matches a folder prefix such as tests/dist/cli against the path inside the repository", async () => {
    const { files, lastLine } = await testScript("tests/dist/cli", "core/dist");
    assert.deepEqual(files, ["packages/core/dist/csrf.test.js", "tests/dist/cli/help.test.js"]);
    assert.equal(lastLine, "2 passed, 0 failed");
  });

  it("runs every file when no filter is given", async () => {
    const { files, lastLine } = await testScript();
    assert.equal(files.length, 3);
    assert.equal(lastLine, "3 passed, 0 failed");
  });
});
