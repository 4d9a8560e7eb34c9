import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { waitUntil } from "@latchkey/testkit";
import type { CommandResult } from "../server/latchkey-process.js";
import { cliFixture, PASSWORD, whoamiStatus, type CliFixture } from "./cli-fixture.js";

// The server on SQLite no longer checks the file on every lookup: each `latchkey` command
// announces its writes and waits for the server to drop its cache (docs/production.md,
// "SQLite: one server, exact without a probe per request"). These commands revoke, so the
// very next request after each returns must be refused.

/**
 * The pid of the process actually serving: the child of the `latchkey serve` supervisor on Linux, else that process.
 */
function servingPid(fixture: CliFixture): number {
  const pid = fixture.server.child.pid ?? -1;
  if (process.platform !== "linux") return pid;
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim();
  return children === "" ? pid : Number(children.split(" ")[0]);
}

describe("latchkey commands against a running server on SQLite", () => {
  let fixture: CliFixture;
  before(async () => {
    fixture = await cliFixture(["alice", "bob", "carol"]);
  });
  after(async () => {
    await fixture?.close();
  });

  it("refuses a deactivated user's session on the very next request after users deactivate returns", async () => {
    const client = await fixture.loggedIn("bob");
    assert.equal(await whoamiStatus(client), 200);
    assert.equal(await whoamiStatus(client), 200, "served again, from the cache");
    const result = await fixture.latchkey(["users", "deactivate", "bob"]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await whoamiStatus(client), 401);
  });

  it("refuses the old sessions on the very next request after changepassword returns, many times in a row", async () => {
    for (let round = 0; round < 3; round += 1) {
      const client = await fixture.loggedIn(
        "carol",
        round === 0 ? PASSWORD : `new password number ${round - 1} long enough`,
      );
      assert.equal(await whoamiStatus(client), 200);
      const result = await fixture.latchkey(["changepassword", "carol"], {
        LATCHKEY_NEW_PASSWORD: `new password number ${round} long enough`,
      });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(await whoamiStatus(client), 401, `round ${round}`);
    }
  });

  it("says so and exits 1 when the server cannot confirm (its process is stopped), and the server refuses the session after it runs again", async () => {
    const client = await fixture.loggedIn("alice");
    assert.equal(await whoamiStatus(client), 200);
    const pid = servingPid(fixture);
    process.kill(pid, "SIGSTOP");
    let result: CommandResult;
    try {
      result = await fixture.latchkey(["sessions", "revoke", "--user", "alice"]);
    } finally {
      process.kill(pid, "SIGCONT");
    }
    assert.equal(result.code, 1, result.stdout);
    assert.match(result.stderr, /did not confirm/);
    // The stopped server reads the announcement when it runs again; until then it may not have.
    await waitUntil(
      "the resumed server to refuse the revoked session",
      async () => (await whoamiStatus(client)) === 401,
      { timeoutMs: 20_000 },
    );
  });
});
