import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ADAPTERS } from "../harness/adapters.js";
import type { AppUnderTest } from "../harness/app-under-test.js";
import { createTestClient } from "@latchkey/testkit";
import { cookieThief, createUser, loggedInClient, newSession } from "./support.js";

/** Shaped exactly like a session token, but never issued by the server. */
const PLANTED = `${"A".repeat(22)}.${"B".repeat(43)}`;

for (const [adapter, start] of Object.entries(ADAPTERS)) {
  describe(`session tokens, fixation and replay (${adapter} adapter)`, () => {
    let app: AppUnderTest;
    before(async () => {
      app = await start();
    });
    after(() => app.close());

    it("issues an opaque id.secret token of 128 + 256 bits and stores only a hash of the secret", async () => {
      const { client, user } = await newSession(app, "shape");
      const token = client.cookie("sessionid") ?? "";
      assert.match(token, /^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
      const [id = "", secret = ""] = token.split(".");
      const records = await app.latchkey.sessions.list({ userId: user.id });
      assert.equal(records.length, 1);
      const record = records[0];
      assert.ok(record);
      assert.equal(record.id, id);
      assert.ok(!JSON.stringify(records).includes(secret), "the store never holds the secret");
      assert.match(record.secretHash, /^[0-9a-f]{64}$/);
      assert.equal(record.ip, "127.0.0.1", "the session records the client IP");
      assert.equal(typeof record.userAgent, "string", "the session records the user agent");
    });

    it("never adopts a session id the client planted before login (session fixation)", async () => {
      const user = await createUser(app, "fix");
      for (const planted of [PLANTED, "attacker-chosen-value"]) {
        const client = createTestClient(app.baseUrl);
        client.setCookie("sessionid", planted);
        const res = await client.login(user.username, user.password);
        assert.equal(res.status, 200, res.text);
        const issued = client.cookie("sessionid");
        assert.ok(issued !== undefined && issued !== planted, "login issues a server-generated token");
        const fixed = createTestClient(app.baseUrl);
        fixed.setCookie("sessionid", planted);
        assert.equal((await fixed.get("/api/whoami/")).status, 401, "the planted value is worth nothing");
      }
    });

    it("ends user A's session when its cookie is presented at a login as user B", async () => {
      const alice = await createUser(app, "fixa");
      const bob = await createUser(app, "fixb");
      const client = await loggedInClient(app, alice);
      const aliceCopy = cookieThief(app, client);
      const res = await client.login(bob.username, bob.password);
      assert.equal(res.status, 200, res.text);
      assert.equal((await client.get("/api/whoami/")).json.username, bob.username);
      assert.equal((await aliceCopy.get("/api/whoami/")).status, 401, "A's old session was ended by the new login");
      assert.equal((await app.latchkey.sessions.list({ userId: alice.id })).length, 0);
    });

    it("gives a new token on every login of the same user and ends the one presented (ASVS 7.2.4)", async () => {
      const { client, user } = await newSession(app, "relogin");
      const oldCopy = cookieThief(app, client);
      const before = client.cookie("sessionid");
      assert.equal((await client.login(user.username, user.password)).status, 200);
      assert.notEqual(client.cookie("sessionid"), before);
      assert.equal((await oldCopy.get("/api/whoami/")).status, 401);
      assert.equal((await client.get("/api/whoami/")).status, 200);
    });

    it("refuses a cookie replayed after logout: the session is gone server-side, not only in the browser", async () => {
      const { client, user } = await newSession(app, "replay");
      const thief = cookieThief(app, client);
      assert.equal((await thief.get("/api/whoami/")).status, 200, "the copy works while the session lives");
      const logout = await client.post("/api/logout/", { headers: { "x-csrftoken": client.csrfToken ?? "" } });
      assert.equal(logout.status, 200, logout.text);
      const replay = await thief.get("/api/whoami/");
      assert.equal(replay.status, 401);
      assert.equal(replay.json.code, "not_authenticated");
      assert.equal((await thief.get("/api/hello/")).status, 401);
      assert.equal((await thief.get("/api/session/")).json.isAuthenticated, false);
      assert.equal((await app.latchkey.sessions.list({ userId: user.id })).length, 0);
    });

    it("clears a stale session cookie when it answers 'not logged in'", async () => {
      const { client } = await newSession(app, "stale");
      const thief = cookieThief(app, client);
      await client.post("/api/logout/", { headers: { "x-csrftoken": client.csrfToken ?? "" } });
      const res = await thief.get("/api/whoami/");
      assert.equal(res.status, 401);
      assert.ok(
        res.setCookies.some((c) => /^sessionid=;/.test(c) && /Max-Age=0/i.test(c)),
        res.setCookies.join(" | "),
      );
      assert.equal(thief.cookie("sessionid"), undefined);
    });

    it("keeps two browsers of one user independent: logging out one leaves the other", async () => {
      const user = await createUser(app, "twobrowsers");
      const first = await loggedInClient(app, user);
      const second = await loggedInClient(app, user);
      assert.notEqual(first.cookie("sessionid"), second.cookie("sessionid"));
      await first.post("/api/logout/", { headers: { "x-csrftoken": first.csrfToken ?? "" } });
      assert.equal((await first.get("/api/whoami/")).status, 401);
      assert.equal((await second.get("/api/whoami/")).status, 200);
    });
  });
}
