import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startSmtpSink } from "@latchkey/testkit";
import { runLatchkey, tempDir } from "../server/latchkey-process.js";
import { cliFixture, jsonRecords, type CliFixture } from "./cli-fixture.js";

/** Django's pbkdf2_sha256 hash of "correct horse battery staple" (as Django stores it). */
const DJANGO_HASH = "pbkdf2_sha256$600000$mMdMFjSD8vCjbRgd6MbLQ2$0yVvZwPTblzxZ7Uo8iSkkcAhvwjzK1lvSBNLnEaGj3k=";

describe("latchkey users create, users import and sendtestemail", () => {
  let f: CliFixture;
  before(async () => {
    f = await cliFixture(["alice"]);
  });
  after(() => f.close());

  it("creates an ordinary user with --noinput who can log in", async () => {
    const created = await f.latchkey(
      ["users", "create", "--noinput", "--username", "bob", "--email", "bob@example.com"],
      { LATCHKEY_USER_PASSWORD: "a long passphrase for bob 7" },
    );
    assert.equal(created.code, 0, created.stderr);
    const bob = jsonRecords((await f.latchkey(["users", "list", "--json"])).stdout).find((u) => u.username === "bob");
    assert.equal(bob?.isStaff, false);
    await f.loggedIn("bob", "a long passphrase for bob 7");
  });

  it("imports JSON lines with Django hashes, with a progress bar and a summary; the users log in with their old passwords", async () => {
    const file = join(f.dir, "users.jsonl");
    writeFileSync(
      file,
      [
        JSON.stringify({
          username: "dj1",
          password: DJANGO_HASH,
          email: "dj1@example.com",
          first_name: "Dj",
          date_joined: "2020-01-02T03:04:05Z",
        }),
        "",
        JSON.stringify({ username: "dj2", password: DJANGO_HASH, is_staff: true }),
      ].join("\n"),
    );
    const result = await f.latchkey(["users", "import", "users.jsonl"]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Imported 2 users/);
    assert.match(result.stderr, /\[#+\] 2\/2/);
    await f.loggedIn("dj1", "correct horse battery staple");
  });

  it("reports each bad line with its number and imports nothing", async () => {
    const file = join(f.dir, "bad.jsonl");
    writeFileSync(
      file,
      [
        JSON.stringify({ username: "ok1", password: DJANGO_HASH }),
        "{not json",
        JSON.stringify({ username: "ok2", password: "plaintext" }),
        JSON.stringify({ username: "alice", password: DJANGO_HASH }),
      ].join("\n"),
    );
    const result = await f.latchkey(["users", "import", "bad.jsonl"]);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /line 2: not valid JSON/);
    assert.match(result.stderr, /line 3: password must be a hash/);
    assert.match(result.stderr, /line 4: username "alice" already exists/);
    const names = jsonRecords((await f.latchkey(["users", "list", "--json"])).stdout).map((u) => u.username);
    assert.ok(!names.includes("ok1"), "nothing was written");
  });

  it("accepts username acc with a 20-character random password containing Acc, and refuses one built on the username", async () => {
    const ok = await f.latchkey(["createsuperuser", "--noinput", "--username", "acc", "--email", "acc@example.com"], {
      LATCHKEY_SUPERUSER_PASSWORD: "q7Zr!Acc9mWx2#Lp0vTe",
    });
    assert.equal(ok.code, 0, ok.stderr);
    const refused = await f.latchkey(
      ["users", "create", "--noinput", "--username", "margaret", "--email", "m@example.com"],
      { LATCHKEY_USER_PASSWORD: "margaret2024" },
    );
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /too similar to the username/);
  });

  it("sends a test email through mail.url to a real SMTP server", async () => {
    const sink = await startSmtpSink();
    const dir = tempDir("latchkey-sendtestemail-");
    try {
      const result = await runLatchkey(["sendtestemail", "ops@example.com"], {
        cwd: dir.path,
        env: { LATCHKEY_MAIL_URL: sink.url },
      });
      assert.equal(result.code, 0, result.stderr);
      const mail = await sink.waitForMail("ops@example.com");
      assert.match(mail.subject, /^Test email from latchkey/);
      const unset = await runLatchkey(["sendtestemail", "ops@example.com"], { cwd: dir.path });
      assert.notEqual(unset.code, 0);
      assert.match(unset.stderr, /mail\.url is not set/);
    } finally {
      await sink.close();
      dir.cleanup();
    }
  });
});
