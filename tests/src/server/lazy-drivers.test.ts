import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { after, before, describe, it } from "node:test";
import { REPO_ROOT, tempDir } from "./latchkey-process.js";

const run = promisify(execFile);

/** Module URLs of the PostgreSQL and Redis client libraries and latchkey's stores for them. */
const DRIVER_URL = /\/node_modules\/(pg|pg-pool|ioredis)\/|\/packages\/store-(postgres|redis)\//;

// A resolve hook that writes every module URL the process loads to stderr, one per line.
const HOOKS = `export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  process.stderr.write("LOADED " + resolved.url + "\\n");
  return resolved;
}
`;

describe("the ready server on SQLite alone", () => {
  let dir: { path: string; cleanup(): void };
  before(() => {
    dir = tempDir("latchkey-lazy-drivers-");
    writeFileSync(join(dir.path, "hooks.mjs"), HOOKS);
    writeFileSync(
      join(dir.path, "register.mjs"),
      `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(join(dir.path, "hooks.mjs")).href)});\n`,
    );
    const server = pathToFileURL(join(REPO_ROOT, "packages", "server", "dist", "index.js")).href;
    writeFileSync(
      join(dir.path, "start.mjs"),
      `import { loadServerConfig, migrateServerDatabases, startServer } from ${JSON.stringify(server)};
const config = loadServerConfig({ env: {}, overrides: { host: "127.0.0.1", port: "0", logLevel: "error", database: ${JSON.stringify(join(dir.path, "db.sqlite3"))} } });
await migrateServerDatabases(config);
const running = await startServer(config);
const answer = await fetch(new URL("/api/csrf/", running.url));
await running.close();
console.log(answer.status);
`,
    );
  });
  after(() => dir?.cleanup());

  it("serves without loading the PostgreSQL or Redis client libraries (they would cost it memory for nothing)", async () => {
    const { stdout, stderr } = await run(
      process.execPath,
      ["--import", pathToFileURL(join(dir.path, "register.mjs")).href, join(dir.path, "start.mjs")],
      { cwd: dir.path, env: { PATH: process.env.PATH ?? "/usr/bin:/bin" }, timeout: 60_000 },
    );
    assert.equal(stdout.trim(), "200", "the server answered");
    const loaded = stderr.split("\n").filter((line) => line.startsWith("LOADED "));
    assert.ok(
      loaded.some((line) => line.includes("/packages/store-sqlite/")),
      "the hook saw the modules the server loads",
    );
    assert.deepEqual(
      loaded.filter((line) => DRIVER_URL.test(line)),
      [],
    );
  });
});
