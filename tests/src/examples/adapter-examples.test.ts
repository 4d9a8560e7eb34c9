import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { createLatchkey } from "@latchkey/core";
import { migrateSqlite, openSqliteDatabase, sqliteStores } from "@latchkey/store-sqlite";
import { createTestClient } from "@latchkey/testkit";
import { fastHasher } from "../harness/test-latchkey.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const PASSWORD = "correct horse battery staple";

/** Seeds a user into a fresh SQLite file the example server will open. */
async function seedDatabase(path: string): Promise<void> {
  const database = openSqliteDatabase(path);
  try {
    migrateSqlite(database);
    const latchkey = createLatchkey({ stores: sqliteStores({ database }), passwords: { hasher: fastHasher } });
    const created = await latchkey.accounts.createUser({ username: "alice", password: PASSWORD });
    assert.ok(created.ok);
  } finally {
    database.close();
  }
}

/** Starts a compiled example on a free port and resolves its URL once it says it listens. */
function startExample(name: string, databasePath: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [join(root, "examples/adapters/dist", `${name}.js`)], {
    env: { ...process.env, PORT: "0", DATABASE_PATH: databasePath },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const stdout = child.stdout;
  if (stdout === null) throw new Error("spawn gave no stdout pipe");
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: stdout });
    lines.on("line", (line) => {
      const match = /listening on (http:\/\/\S+)/.exec(line);
      if (match?.[1] !== undefined) resolve({ url: match[1].replace(/\/$/, ""), child });
    });
    child.on("exit", (code) => reject(new Error(`example ${name} exited with ${code} before listening: ${stderr}`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill();
  });
}

describe("the adapter quick starts in docs/adapters.md", () => {
  for (const name of ["express", "fastify", "hono", "node"]) {
    it(`${name}: protects GET /api/hello/, and asks for the CSRF token on the app's own POST`, async () => {
      const dir = mkdtempSync(join(tmpdir(), `latchkey-example-${name}-`));
      const databasePath = join(dir, "latchkey.sqlite3");
      await seedDatabase(databasePath);
      const { url, child } = await startExample(name, databasePath);
      try {
        const client = createTestClient(url);
        const anonymous = await client.get("/api/hello/");
        assert.equal(anonymous.status, 401);
        assert.equal(anonymous.json.code, "not_authenticated");
        assert.deepEqual((await client.get("/api/public/")).json, { user: null });

        const login = await client.login("alice", PASSWORD);
        assert.equal(login.status, 200, login.text);
        assert.deepEqual((await client.get("/api/hello/")).json, { hello: "alice" });
        assert.deepEqual((await client.get("/api/public/")).json, { user: "alice" });

        const forged = await client.post("/api/notes/", { json: { text: "hi" } });
        assert.equal(forged.status, 403, forged.text);
        assert.equal(forged.json.code, "csrf_token_missing");
        const note = await client.post("/api/notes/", {
          json: { text: "hi" },
          headers: { "x-csrftoken": client.csrfToken ?? "" },
        });
        assert.equal(note.status, 201, note.text);
        assert.equal(note.json.author, "alice");
      } finally {
        await stop(child);
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it("shows exactly the example files in the README's quick starts too", () => {
    const readme = readFileSync(join(root, "README.md"), "utf8");
    const marked = [...readme.matchAll(/<!-- example: (\S+) -->\s*\n```\w*\n([\s\S]*?)^```$/gm)];
    assert.ok(marked.length >= 3, "the README shows the Express, Fastify and Hono quick starts");
    for (const [, path, body] of marked) {
      assert.ok(path !== undefined && body !== undefined);
      assert.equal(body, readFileSync(join(root, path), "utf8"), `${path} and its copy in README.md differ`);
    }
  });

  it("shows exactly the example files, so every code block in the doc is compiled and run", () => {
    const doc = readFileSync(join(root, "docs/adapters.md"), "utf8");
    const blocks = [...doc.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)];
    assert.ok(blocks.length >= 5, "the doc has its code blocks");
    for (const block of blocks) {
      const before = doc.slice(0, block.index);
      const marker = /<!-- example: (\S+) -->\s*$/.exec(before);
      assert.ok(
        marker?.[1] !== undefined,
        `every code block is preceded by <!-- example: path -->; this one is not:\n${block[2]?.slice(0, 200)}`,
      );
      assert.equal(
        block[2],
        readFileSync(join(root, marker[1]), "utf8"),
        `${marker[1]} and its copy in docs/adapters.md differ`,
      );
    }
  });
});
