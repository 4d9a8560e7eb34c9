import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { freePort, requireProgram, startPostgres } from "@latchkey/testkit";
import { runLatchkey, tempDir } from "../server/latchkey-process.js";

const TEST_TIMEOUT_MS = 60_000;

/** Runs `latchkey <args>` in a fresh folder with `env`. */
async function latchkeyIn(args: readonly string[], env: Readonly<Record<string, string>>) {
  const dir = tempDir("latchkey-startup-");
  try {
    return await runLatchkey(args, { cwd: dir.path, env });
  } finally {
    dir.cleanup();
  }
}

describe("starting against a store that is not there", () => {
  it("exits 1 naming Redis and its URL without the password", { timeout: TEST_TIMEOUT_MS }, async () => {
    const port = await freePort();
    const result = await latchkeyIn(["serve", "--port", "0"], {
      LATCHKEY_REDIS_URL: `redis://:hunter2@127.0.0.1:${port}`,
    });
    assert.equal(result.code, 1, result.stdout);
    assert.match(
      result.stderr,
      new RegExp(`^Error: Cannot connect to Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`, "m"),
    );
    assert.ok(!`${result.stderr}${result.stdout}`.includes("hunter2"), "the password appears nowhere");
  });

  it("exits 1 naming PostgreSQL and its URL without the password, whether it was to migrate or not", {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const port = await freePort();
    const url = `postgres://app:hunter2@127.0.0.1:${port}/auth`;
    const migrating = await latchkeyIn(["serve", "--port", "0"], { LATCHKEY_DATABASE_URL: url });
    assert.equal(migrating.code, 1);
    assert.match(
      migrating.stderr,
      new RegExp(
        `^Error: Cannot migrate PostgreSQL at postgres://app:\\*\\*\\*@127\\.0\\.0\\.1:${port}/auth: .*ECONNREFUSED`,
        "m",
      ),
    );
    const serving = await latchkeyIn(["serve", "--port", "0"], {
      LATCHKEY_DATABASE_URL: url,
      LATCHKEY_MIGRATE_ON_START: "false",
    });
    assert.equal(serving.code, 1);
    assert.match(
      serving.stderr,
      new RegExp(
        `^Error: Cannot reach PostgreSQL at postgres://app:\\*\\*\\*@127\\.0\\.0\\.1:${port}/auth: .*ECONNREFUSED`,
        "m",
      ),
    );
    const workers = await latchkeyIn(["serve", "--port", "0", "--workers", "2"], { LATCHKEY_DATABASE_URL: url });
    assert.equal(workers.code, 1, "the primary checks the stores before forking");
    assert.match(workers.stderr, /Cannot migrate PostgreSQL at postgres:\/\/app:\*\*\*@/);
    for (const result of [migrating, serving, workers])
      assert.ok(!`${result.stderr}${result.stdout}`.includes("hunter2"));
  });
});

describe("latchkey migrate with databaseUrl", {
  skip: requireProgram("initdb", "postgres", "pg_isready", "createdb"),
}, () => {
  it("migrates PostgreSQL once, and a server with migrateOnStart off refuses a database that is behind", {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const postgres = await startPostgres();
    try {
      const env = { LATCHKEY_DATABASE_URL: postgres.url };
      const behind = await latchkeyIn(["serve", "--port", "0"], { ...env, LATCHKEY_MIGRATE_ON_START: "false" });
      assert.equal(behind.code, 1);
      assert.match(
        behind.stderr,
        /PostgreSQL at postgres:\/\/.*missing latchkey schema migration\(s\) 1 .*Run "latchkey migrate"/,
      );
      const first = await latchkeyIn(["migrate"], env);
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, new RegExp(`^PostgreSQL: ${postgres.url.replace(/[.:/]/g, "\\$&")}$`, "m"));
      assert.match(first.stdout, /Applied migration 1: /);
      const second = await latchkeyIn(["migrate"], { ...env, LATCHKEY_REDIS_URL: "redis://127.0.0.1:1" });
      assert.equal(second.code, 0, second.stderr);
      assert.match(second.stdout, /No migrations to apply \(schema version \d+\)/);
      assert.match(second.stdout, /Redis: no migrations needed/);
    } finally {
      await postgres.dispose();
    }
  });
});
