import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { cliFixture, jsonRecords, whoamiStatus, type CliFixture } from "./cli-fixture.js";

describe("latchkey sessions", () => {
  let f: CliFixture;
  before(async () => {
    f = await cliFixture(["alice", "bob", "dave"]);
  });
  after(() => f.close());

  it("lists sessions with their id, user, kind, times, IP and user agent", async () => {
    await f.loggedIn("alice", undefined, "Firefox on the test rig");
    const json = await f.latchkey(["sessions", "list", "--json"]);
    assert.equal(json.code, 0, json.stderr);
    const session = jsonRecords(json.stdout).find((s) => s.userAgent === "Firefox on the test rig");
    assert.ok(session, json.stdout);
    assert.equal(session.kind, "cookie");
    assert.equal(session.userAgent, "Firefox on the test rig");
    assert.equal(session.ip, "127.0.0.1");
    assert.equal(session.expired, false);
    for (const field of ["id", "createdAt", "lastSeenAt", "expiresAt"])
      assert.equal(typeof session[field], "string", field);
    assert.ok(!("secretHash" in session), "the secret hash is never printed");

    const table = await f.latchkey(["sessions", "list"]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^ID\s+USER\s+KIND\s+CREATED\s+LAST SEEN\s+EXPIRES\s+IP\s+USER AGENT\n/);
    assert.ok(table.stdout.includes(String(session.id)));
    assert.match(table.stdout, /alice\s+cookie\s.*127\.0\.0\.1\s+Firefox on the test rig/);
  });

  it("lists only one user's sessions with --user", async () => {
    await f.loggedIn("bob");
    await f.loggedIn("alice");
    const result = await f.latchkey(["sessions", "list", "--user", "bob", "--json"]);
    assert.equal(result.code, 0, result.stderr);
    const sessions = jsonRecords(result.stdout);
    assert.ok(sessions.length >= 1);
    assert.ok(sessions.every((s) => s.username === "bob"));
  });

  it("revokes one session by its id, leaving the user's others", async () => {
    const first = await f.loggedIn("dave", undefined, "first device");
    const second = await f.loggedIn("dave", undefined, "second device");
    const listed = jsonRecords((await f.latchkey(["sessions", "list", "--user", "dave", "--json"])).stdout);
    const target = listed.find((s) => s.userAgent === "first device");
    assert.ok(target);
    const result = await f.latchkey(["sessions", "revoke", String(target.id)]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /revoked/);
    assert.equal(await whoamiStatus(first), 401);
    assert.equal(await whoamiStatus(second), 200);
  });

  it("revokes every session of a user with --user", async () => {
    const a = await f.loggedIn("bob");
    const b = await f.loggedIn("bob");
    const keeper = await f.loggedIn("alice");
    const result = await f.latchkey(["sessions", "revoke", "--user", "bob"]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Revoked \d+ sessions? of user "bob"/);
    assert.equal(await whoamiStatus(a), 401);
    assert.equal(await whoamiStatus(b), 401);
    assert.equal(await whoamiStatus(keeper), 200);
  });

  it("exits 1 for an unknown session id or user, and 2 when given neither or both", async () => {
    const unknown = await f.latchkey(["sessions", "revoke", "no-such-session"]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no session with ID "no-such-session"/);
    const nobody = await f.latchkey(["sessions", "revoke", "--user", "nobody"]);
    assert.equal(nobody.code, 1);
    assert.match(nobody.stderr, /user "nobody" does not exist/);
    assert.equal((await f.latchkey(["sessions", "revoke"])).code, 2);
    assert.equal((await f.latchkey(["sessions", "revoke", "x", "--user", "bob"])).code, 2);
  });
});
