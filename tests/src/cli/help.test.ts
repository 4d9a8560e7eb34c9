import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { runLatchkey, tempDir } from "../server/latchkey-process.js";

/** Each command line and options its help must mention. */
const COMMANDS: readonly { args: readonly string[]; mentions: readonly string[] }[] = [
  { args: ["serve"], mentions: ["--host", "--port", "--spa", "--config", "--data-dir"] },
  { args: ["migrate"], mentions: ["--config", "--data-dir"] },
  {
    args: ["createsuperuser"],
    mentions: ["--username", "--email", "--noinput", "LATCHKEY_SUPERUSER_PASSWORD", "--config", "--data-dir"],
  },
  { args: ["changepassword"], mentions: ["<username>", "LATCHKEY_NEW_PASSWORD", "--config", "--data-dir"] },
  { args: ["users"], mentions: ["list", "deactivate", "activate"] },
  { args: ["users", "list"], mentions: ["--json", "--config", "--data-dir"] },
  { args: ["users", "deactivate"], mentions: ["<username>", "--config", "--data-dir"] },
  { args: ["users", "activate"], mentions: ["<username>", "--config", "--data-dir"] },
  { args: ["sessions"], mentions: ["list", "revoke"] },
  { args: ["sessions", "list"], mentions: ["--user", "--json", "--limit", "--config", "--data-dir"] },
  { args: ["sessions", "revoke"], mentions: ["[id]", "--user", "--config", "--data-dir"] },
  { args: ["clearsessions"], mentions: ["--config", "--data-dir"] },
  { args: ["doctor"], mentions: ["<spa-url>", "--api", "--json", "--browser", "--chromium"] },
  {
    args: ["import-django"],
    mentions: ["<database-url>", "--sessions", "--dry-run", "--json", "--batch-size", "--config", "--data-dir"],
  },
];

describe("latchkey --help", () => {
  let dir: { path: string; cleanup(): void };
  before(() => {
    dir = tempDir("latchkey-cli-");
  });
  after(() => dir.cleanup());

  it("lists every command and exits 0", async () => {
    const result = await runLatchkey(["--help"], { cwd: dir.path });
    assert.equal(result.code, 0, result.stderr);
    for (const name of [
      "serve",
      "migrate",
      "createsuperuser",
      "changepassword",
      "users",
      "sessions",
      "clearsessions",
      "import-django",
      "doctor",
    ])
      assert.match(result.stdout, new RegExp(`\\b${name}\\b`));
  });

  for (const { args, mentions } of COMMANDS) {
    it(`explains \`latchkey ${args.join(" ")}\` and its options, exiting 0`, async () => {
      const result = await runLatchkey([...args, "--help"], { cwd: dir.path });
      assert.equal(result.code, 0, result.stderr);
      for (const text of mentions)
        assert.ok(
          result.stdout.includes(text),
          `help of ${args.join(" ")} does not mention ${text}:\n${result.stdout}`,
        );
    });
  }

  it("prints the version", async () => {
    const result = await runLatchkey(["--version"], { cwd: dir.path });
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^\d+\.\d+\.\d+/);
  });
});

describe("latchkey usage errors", () => {
  let dir: { path: string; cleanup(): void };
  before(() => {
    dir = tempDir("latchkey-cli-");
  });
  after(() => dir.cleanup());

  it("exits 2 for an unknown command, naming it", async () => {
    const result = await runLatchkey(["frobnicate"], { cwd: dir.path });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /unknown command 'frobnicate'/);
  });

  it("exits 2 without a command, showing the usage", async () => {
    const result = await runLatchkey([], { cwd: dir.path });
    assert.equal(result.code, 2);
    assert.match(result.stdout + result.stderr, /Usage: latchkey/);
  });

  it("exits 2 for an unknown option or a missing argument", async () => {
    const option = await runLatchkey(["migrate", "--frob"], { cwd: dir.path });
    assert.equal(option.code, 2);
    assert.match(option.stderr, /unknown option '--frob'/);
    const argument = await runLatchkey(["changepassword"], { cwd: dir.path });
    assert.equal(argument.code, 2);
    assert.match(argument.stderr, /missing required argument 'username'/);
  });

  it("exits 1 with the list of problems, and no stack trace, for a bad configuration", async () => {
    const result = await runLatchkey(["users", "list"], {
      cwd: dir.path,
      env: { LATCHKEY_PORT: "eighty", LATCHKEY_USER_SHAPE: "snake" },
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /invalid configuration/);
    assert.match(result.stderr, /LATCHKEY_PORT="eighty" \(environment\): must be an integer/);
    assert.match(result.stderr, /LATCHKEY_USER_SHAPE="snake" \(environment\): must be one of "camel", "drf"/);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
  });

  it("exits 1 and says to migrate when a data command finds no database", async () => {
    const result = await runLatchkey(["users", "list", "--data-dir", "nowhere"], { cwd: dir.path });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /no latchkey database at .*nowhere.*latchkey migrate/);
  });
});
