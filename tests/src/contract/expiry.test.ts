import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ADAPTERS } from "../harness/adapters.js";
import { appRunner, type TestOptions } from "../harness/app-under-test.js";
import { createTestClient } from "@latchkey/testkit";
import { bearerToken, createUser, maxAgeOf, newSession, setCookieFor } from "./support.js";

const SECOND = 1000;
/** Idle 1 h, absolute 2 h, activity written back at most once a minute. */
const SHORT: TestOptions = {
  session: { idleTimeoutSeconds: 3600, absoluteTimeoutSeconds: 7200, touchIntervalSeconds: 60 },
};

for (const [adapter, start] of Object.entries(ADAPTERS)) {
  describe(`session and token expiry, on the injected clock (${adapter} adapter)`, () => {
    const withApp = appRunner(start);

    it("sends a session cookie whose Max-Age is the idle timeout", () =>
      withApp(SHORT, async (app) => {
        const user = await createUser(app, "maxage");
        const res = await createTestClient(app.baseUrl).login(user.username, user.password);
        const cookie = setCookieFor(res, "sessionid") ?? "";
        assert.equal(maxAgeOf(cookie), 3600);
        assert.match(cookie, /Expires=/);
      }));

    it("ends a session left idle past the idle timeout", () =>
      withApp(SHORT, async (app) => {
        const { client } = await newSession(app, "idle");
        app.clock.advance(3599 * SECOND);
        assert.equal((await client.get("/api/whoami/")).status, 200, "still alive just before the idle timeout");
        app.clock.advance(3601 * SECOND);
        assert.equal((await client.get("/api/whoami/")).status, 401, "idle for longer than the timeout");
      }));

    it("slides: activity within each idle period keeps a session alive across several of them", () =>
      withApp(SHORT, async (app) => {
        const { client } = await newSession(app, "slide");
        for (let step = 0; step < 3; step++) {
          app.clock.advance(2000 * SECOND);
          const res = await client.get("/api/whoami/");
          assert.equal(res.status, 200, `alive after ${(step + 1) * 2000} s of activity every 2000 s`);
        }
        app.clock.advance(3601 * SECOND);
        assert.equal((await client.get("/api/whoami/")).status, 401);
      }));

    it("writes activity back at most once per touch interval: the cookie is re-sent only after it", () =>
      withApp(SHORT, async (app) => {
        const { client } = await newSession(app, "touch");
        app.clock.advance(30 * SECOND);
        const early = await client.get("/api/whoami/");
        assert.equal(early.status, 200);
        assert.equal(setCookieFor(early, "sessionid"), undefined, "no refresh within the touch interval");
        app.clock.advance(31 * SECOND);
        const due = await client.get("/api/whoami/");
        const refreshed = setCookieFor(due, "sessionid");
        assert.ok(refreshed, "refreshed once the touch interval has passed");
        assert.equal(maxAgeOf(refreshed), 3600);
        const right = await client.get("/api/whoami/");
        assert.equal(setCookieFor(right, "sessionid"), undefined, "not again right after the write");
        app.clock.advance(59 * SECOND);
        assert.equal(
          setCookieFor(await client.get("/api/hello/"), "sessionid"),
          undefined,
          "app routes follow the same interval",
        );
      }));

    it("puts the refreshed session cookie on the answer of an app route, beside the app's own body", () =>
      withApp(SHORT, async (app) => {
        const { user, client } = await newSession(app, "apptouch");
        app.clock.advance(61 * SECOND);
        const due = await client.get("/api/hello/");
        assert.equal(due.status, 200);
        assert.deepEqual(due.json, { hello: user.username });
        const refreshed = setCookieFor(due, "sessionid");
        assert.ok(refreshed, "the app route's answer carries the refreshed cookie");
        assert.equal(maxAgeOf(refreshed), 3600);
      }));

    it("ends an active session at the absolute lifetime, and never promises more in Max-Age", () =>
      withApp(SHORT, async (app) => {
        const { client } = await newSession(app, "absolute");
        app.clock.advance(3000 * SECOND);
        assert.equal((await client.get("/api/whoami/")).status, 200);
        app.clock.advance(3000 * SECOND);
        const late = await client.get("/api/whoami/");
        assert.equal(late.status, 200);
        const cookie = setCookieFor(late, "sessionid");
        assert.ok(cookie);
        assert.equal(maxAgeOf(cookie), 1200, "capped by the 1200 s left of the absolute lifetime");
        app.clock.advance(1000 * SECOND);
        assert.equal((await client.get("/api/whoami/")).status, 200);
        app.clock.advance(201 * SECOND);
        assert.equal((await client.get("/api/whoami/")).status, 401, "7201 s after login, however active");
      }));

    it("with expireAtBrowserClose, sends the session cookie without Max-Age or Expires, and never re-sends it", () =>
      withApp({ session: { ...SHORT.session, expireAtBrowserClose: true } }, async (app) => {
        const user = await createUser(app, "browserclose");
        const client = createTestClient(app.baseUrl);
        const res = await client.login(user.username, user.password);
        const cookie = setCookieFor(res, "sessionid");
        assert.ok(cookie);
        assert.doesNotMatch(cookie, /Max-Age/i);
        assert.doesNotMatch(cookie, /Expires/i);
        app.clock.advance(120 * SECOND);
        const later = await client.get("/api/whoami/");
        assert.equal(later.status, 200);
        assert.equal(setCookieFor(later, "sessionid"), undefined);
        app.clock.advance(3601 * SECOND);
        assert.equal((await client.get("/api/whoami/")).status, 401, "the server still enforces the idle timeout");
      }));

    it("expires bearer tokens too: idle, and absolute however active", () =>
      withApp({ ...SHORT, bearer: { idleTimeoutSeconds: 600, absoluteTimeoutSeconds: 1800 } }, async (app) => {
        const user = await createUser(app, "tokexp");
        const idle = await bearerToken(app, user);
        const active = await bearerToken(app, user);
        const client = createTestClient(app.baseUrl);
        const who = (token: string) => client.get("/api/whoami/", { headers: { authorization: `Bearer ${token}` } });
        for (let step = 0; step < 3; step++) {
          app.clock.advance(500 * SECOND);
          assert.equal((await who(active)).status, 200, `active token alive after ${(step + 1) * 500} s`);
        }
        const dead = await who(idle);
        assert.equal(dead.status, 401, "the unused token is past its 600 s idle timeout");
        assert.equal(dead.json.code, "invalid_token");
        app.clock.advance(301 * SECOND);
        assert.equal((await who(active)).status, 401, "1801 s after issue, however active");
      }));
  });
}
