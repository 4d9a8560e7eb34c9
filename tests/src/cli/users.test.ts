import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createTestClient } from "@latchkey/testkit";
import { cliFixture, jsonRecords, PASSWORD, whoamiStatus, type CliFixture } from "./cli-fixture.js";

describe("latchkey users", () => {
  let f: CliFixture;
  before(async () => {
    f = await cliFixture(["alice", "carol"]);
  });
  after(() => f.close());

  it("lists users as a table and as JSON", async () => {
    const table = await f.latchkey(["users", "list"]);
    assert.equal(table.code, 0, table.stderr);
    const [header, ...rows] = table.stdout.trimEnd().split("\n");
    assert.match(header ?? "", /^ID\s+USERNAME\s+EMAIL\s+ACTIVE\s+STAFF\s+SUPERUSER\s+JOINED\s+LAST LOGIN$/);
    assert.ok(
      rows.some((row) => /^\d+\s+alice\s+alice@example\.com\s+yes\s+yes\s+yes\s/.test(row)),
      table.stdout,
    );

    const json = await f.latchkey(["users", "list", "--json"]);
    assert.equal(json.code, 0, json.stderr);
    const alice = jsonRecords(json.stdout).find((u) => u.username === "alice");
    assert.ok(alice);
    assert.equal(alice.email, "alice@example.com");
    assert.equal(alice.isActive, true);
    assert.equal(typeof alice.dateJoined, "string");
    assert.ok(!("passwordHash" in alice), "no password hash is printed");
  });

  it("deactivates a user, ending their sessions and refusing their logins, and activates them again", async () => {
    const client = await f.loggedIn("carol");
    assert.equal(await whoamiStatus(client), 200);

    const off = await f.latchkey(["users", "deactivate", "carol"]);
    assert.equal(off.code, 0, off.stderr);
    assert.match(off.stdout, /User "carol" deactivated/);
    assert.equal(await whoamiStatus(client), 401, "deactivation ends the session at once");
    const listed = jsonRecords((await f.latchkey(["users", "list", "--json"])).stdout).find(
      (u) => u.username === "carol",
    );
    assert.equal(listed?.isActive, false);

    const retry = createTestClient(f.server.url);
    const token = await retry.fetchCsrf();
    const refused = await retry.post("/api/login/", {
      json: { username: "carol", password: PASSWORD },
      headers: { "x-csrftoken": token },
    });
    assert.equal(refused.status, 400);

    const on = await f.latchkey(["users", "activate", "carol"]);
    assert.equal(on.code, 0, on.stderr);
    assert.match(on.stdout, /User "carol" activated/);
    assert.equal(await whoamiStatus(await f.loggedIn("carol")), 200);
  });

  it("exits 1 for an unknown user", async () => {
    for (const action of ["deactivate", "activate"]) {
      const result = await f.latchkey(["users", action, "nobody"]);
      assert.equal(result.code, 1, action);
      assert.match(result.stderr, /user "nobody" does not exist/);
    }
  });
});
