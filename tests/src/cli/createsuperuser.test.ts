import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createTestClient } from "@latchkey/testkit";
import { cliFixture, jsonRecords, PASSWORD, type CliFixture } from "./cli-fixture.js";

describe("latchkey createsuperuser", () => {
  let f: CliFixture;
  before(async () => {
    f = await cliFixture([]);
  });
  after(() => f.close());

  it("creates a superuser from --noinput and LATCHKEY_SUPERUSER_PASSWORD who can then log in over HTTP", async () => {
    const result = await f.latchkey(
      ["createsuperuser", "--noinput", "--username", "root", "--email", "root@example.com"],
      { LATCHKEY_SUPERUSER_PASSWORD: PASSWORD },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Superuser "root" created successfully/);
    const client = await f.loggedIn("root");
    const whoami = await client.get("/api/whoami/");
    assert.equal(whoami.json.username, "root");
    assert.equal(whoami.json.email, "root@example.com");
    assert.equal(whoami.json.isStaff, true);
    assert.equal(whoami.json.isSuperuser, true);
  });

  it("refuses a username that exists (in any letter case) with exit 1 and a clear message", async () => {
    const first = await f.latchkey(["createsuperuser", "--noinput", "--username", "dup"], {
      LATCHKEY_SUPERUSER_PASSWORD: PASSWORD,
    });
    assert.equal(first.code, 0, first.stderr);
    const again = await f.latchkey(["createsuperuser", "--noinput", "--username", "DUP"], {
      LATCHKEY_SUPERUSER_PASSWORD: PASSWORD,
    });
    assert.equal(again.code, 1);
    assert.match(again.stderr, /--username "DUP": That username is already taken\./);
    assert.doesNotMatch(again.stderr, /\n\s+at /);
  });

  it("creates the user without a usable password when LATCHKEY_SUPERUSER_PASSWORD is unset", async () => {
    const result = await f.latchkey(["createsuperuser", "--noinput", "--username", "nopass"]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /without a usable password/);
    const client = createTestClient(f.server.url);
    const token = await client.fetchCsrf();
    const login = await client.post("/api/login/", {
      json: { username: "nopass", password: "anything at all" },
      headers: { "x-csrftoken": token },
    });
    assert.equal(login.status, 400);
    const users = await f.latchkey(["users", "list", "--json"]);
    assert.ok(jsonRecords(users.stdout).some((u) => u.username === "nopass"));
  });

  it("refuses a password that breaks the password rules, creating nobody", async () => {
    const result = await f.latchkey(["createsuperuser", "--noinput", "--username", "weak"], {
      LATCHKEY_SUPERUSER_PASSWORD: "short",
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /the superuser was not created/);
    assert.match(result.stderr, /too short|at least/i);
    const users = await f.latchkey(["users", "list", "--json"]);
    assert.ok(!jsonRecords(users.stdout).some((u) => u.username === "weak"));
  });

  it("refuses an invalid username or email", async () => {
    const username = await f.latchkey(["createsuperuser", "--noinput", "--username", "has space"]);
    assert.equal(username.code, 1);
    assert.match(username.stderr, /Enter a valid username/);
    const email = await f.latchkey(["createsuperuser", "--noinput", "--username", "mailer", "--email", "not-an-email"]);
    assert.equal(email.code, 1);
    assert.match(email.stderr, /--email: Enter a valid email address/);
  });

  it("exits 2 when --noinput comes without --username", async () => {
    const result = await f.latchkey(["createsuperuser", "--noinput"]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--noinput needs --username/);
  });

  it("says it needs a terminal or --noinput when standard input is not a terminal", async () => {
    const result = await f.latchkey(["createsuperuser", "--username", "tty"]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /needs a terminal.*--noinput/);
  });
});
