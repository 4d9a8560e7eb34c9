import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createTestClient } from "@latchkey/testkit";
import { cliFixture, PASSWORD, whoamiStatus, type CliFixture } from "./cli-fixture.js";

describe("latchkey changepassword", () => {
  let f: CliFixture;
  before(async () => {
    f = await cliFixture(["alice", "bob"]);
  });
  after(() => f.close());

  it("sets the password from LATCHKEY_NEW_PASSWORD and ends the user's existing sessions", async () => {
    const phone = await f.loggedIn("alice");
    const laptop = await f.loggedIn("alice");
    const bystander = await f.loggedIn("bob");
    assert.equal(await whoamiStatus(phone), 200);

    const result = await f.latchkey(["changepassword", "alice"], { LATCHKEY_NEW_PASSWORD: "a brand new passphrase" });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Password changed successfully for user "alice"/);

    assert.equal(await whoamiStatus(phone), 401, "an existing cookie stops working");
    assert.equal(await whoamiStatus(laptop), 401);
    assert.equal(await whoamiStatus(bystander), 200, "other users keep their sessions");

    const old = createTestClient(f.server.url);
    const token = await old.fetchCsrf();
    const refused = await old.post("/api/login/", {
      json: { username: "alice", password: PASSWORD },
      headers: { "x-csrftoken": token },
    });
    assert.equal(refused.status, 400, "the old password no longer works");
    const fresh = await f.loggedIn("alice", "a brand new passphrase");
    assert.equal(await whoamiStatus(fresh), 200);
  });

  it("refuses a password that breaks the rules, changing nothing", async () => {
    const client = await f.loggedIn("bob");
    const result = await f.latchkey(["changepassword", "bob"], { LATCHKEY_NEW_PASSWORD: "bob" });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /the password was refused; nothing was changed/);
    assert.equal(await whoamiStatus(client), 200, "a refused change ends no session");
  });

  it("exits 1 for an unknown user", async () => {
    const result = await f.latchkey(["changepassword", "nobody"], { LATCHKEY_NEW_PASSWORD: "whatever long enough" });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /user "nobody" does not exist/);
  });

  it("says it needs a terminal or LATCHKEY_NEW_PASSWORD when standard input is not a terminal", async () => {
    const result = await f.latchkey(["changepassword", "bob"]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /needs a terminal.*LATCHKEY_NEW_PASSWORD/);
  });
});
