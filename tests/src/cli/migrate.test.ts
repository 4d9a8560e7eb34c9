import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runLatchkey, tempDir } from "../server/latchkey-process.js";

describe("latchkey migrate", () => {
  it("creates the database, applies the migrations, and has nothing to apply the second time", async () => {
    const dir = tempDir("latchkey-cli-");
    try {
      const first = await runLatchkey(["migrate"], { cwd: dir.path });
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, /Applied migration 1: /);
      assert.ok(existsSync(join(dir.path, "data", "latchkey.sqlite3")));
      const second = await runLatchkey(["migrate"], { cwd: dir.path });
      assert.equal(second.code, 0, second.stderr);
      assert.match(second.stdout, /No migrations to apply/);
      assert.doesNotMatch(second.stdout, /Applied/);
    } finally {
      dir.cleanup();
    }
  });

  it("uses the database the config file names, as the server does", async () => {
    const dir = tempDir("latchkey-cli-");
    try {
      writeFileSync(join(dir.path, "latchkey.config.json"), JSON.stringify({ database: "db/auth.sqlite3" }));
      const result = await runLatchkey(["migrate"], { cwd: dir.path });
      assert.equal(result.code, 0, result.stderr);
      assert.ok(existsSync(join(dir.path, "db", "auth.sqlite3")));
      assert.ok(result.stdout.includes(join(dir.path, "db", "auth.sqlite3")));
    } finally {
      dir.cleanup();
    }
  });

  it("honours --data-dir", async () => {
    const dir = tempDir("latchkey-cli-");
    try {
      const result = await runLatchkey(["migrate", "--data-dir", "var"], { cwd: dir.path });
      assert.equal(result.code, 0, result.stderr);
      assert.ok(existsSync(join(dir.path, "var", "latchkey.sqlite3")));
    } finally {
      dir.cleanup();
    }
  });
});
