import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ADAPTERS } from "../harness/adapters.js";
import { appRunner, type AppUnderTest } from "../harness/app-under-test.js";
import { createTestClient, type TestResponse } from "@latchkey/testkit";
import { assertError, createUser, type Fixture, uniqueName } from "./support.js";

/** A login attempt from a fresh browser-like client, with optional extra headers. */
async function attempt(
  app: AppUnderTest,
  username: string,
  password: string,
  headers: Record<string, string> = {},
): Promise<TestResponse> {
  const client = createTestClient(app.baseUrl);
  const token = await client.fetchCsrf();
  return client.post("/api/login/", { json: { username, password }, headers: { "x-csrftoken": token, ...headers } });
}

async function failTimes(
  app: AppUnderTest,
  count: number,
  username: (i: number) => string,
  headers: (i: number) => Record<string, string> = () => ({}),
): Promise<void> {
  for (let i = 0; i < count; i++) {
    const res = await attempt(app, username(i), "definitely wrong", headers(i));
    assertError(res, 400, "invalid_credentials");
  }
}

function assertThrottled(res: TestResponse): void {
  assertError(res, 429, "throttled");
  const retryAfter = res.headers.get("retry-after") ?? "";
  assert.match(retryAfter, /^[1-9]\d*$/, `Retry-After is whole seconds: "${retryAfter}"`);
  assert.match(String(res.json.detail), new RegExp(`${retryAfter} seconds`));
}

const LOOSE_IP = { points: 1000, durationSeconds: 900 };

for (const [adapter, start] of Object.entries(ADAPTERS)) {
  describe(`login throttling (${adapter} adapter)`, () => {
    const withApp = appRunner(start);

    it("refuses an account with 429 and Retry-After after N failures, even with the right password, until the window passes", () =>
      withApp({ throttle: { perAccount: { points: 3, durationSeconds: 600 }, perIp: LOOSE_IP } }, async (app) => {
        const user = await createUser(app, "thr");
        await failTimes(app, 3, () => user.username);
        assertThrottled(await attempt(app, user.username, user.password));
        assertThrottled(await attempt(app, user.username.toUpperCase(), user.password));
        const token = await createTestClient(app.baseUrl).post("/api/token/login/", {
          bare: true,
          json: { username: user.username, password: user.password },
        });
        assertThrottled(token);
        const other = await createUser(app, "throther");
        assert.equal((await attempt(app, other.username, other.password)).status, 200, "other accounts are unaffected");

        // The throttle's windows follow the app's (test) clock.
        app.clock.advance(599_000);
        assertThrottled(await attempt(app, user.username, user.password));
        app.clock.advance(1_000);
        const last = await attempt(app, user.username, user.password);
        assert.equal(last.status, 200, `the account logs in again once the window has passed: ${last.text}`);
      }));

    it("limits failures per client IP across different usernames", () =>
      withApp(
        { throttle: { perAccount: { points: 100, durationSeconds: 900 }, perIp: { points: 4, durationSeconds: 900 } } },
        async (app) => {
          const user = await createUser(app, "ipthr");
          await failTimes(app, 4, () => uniqueName("spray"));
          assertThrottled(await attempt(app, user.username, user.password));
        },
      ));

    it("clears an account's failure count on a successful login", () =>
      withApp({ throttle: { perAccount: { points: 3, durationSeconds: 900 }, perIp: LOOSE_IP } }, async (app) => {
        const user = await createUser(app, "reset");
        await failTimes(app, 2, () => user.username);
        assert.equal((await attempt(app, user.username, user.password)).status, 200);
        await failTimes(app, 2, () => user.username);
        assert.equal(
          (await attempt(app, user.username, user.password)).status,
          200,
          "4 failures in all, but never 3 in a row",
        );
      }));

    it("counts wrong old passwords of a password change against the account", () =>
      withApp({ throttle: { perAccount: { points: 2, durationSeconds: 900 }, perIp: LOOSE_IP } }, async (app) => {
        const user: Fixture = await createUser(app, "pwthr");
        const client = createTestClient(app.baseUrl);
        assert.equal((await client.login(user.username, user.password)).status, 200);
        const change = (old: string) =>
          client.post("/api/password/change/", {
            json: { old_password: old, new_password: "a fresh and long passphrase 7" },
            headers: { "x-csrftoken": client.csrfToken ?? "" },
          });
        assertError(await change("wrong one"), 400, "password_incorrect");
        assertError(await change("wrong two"), 400, "password_incorrect");
        assertThrottled(await change(user.password));
      }));

    it("ignores X-Forwarded-For without trustProxy: rotating it does not dodge the IP limit", () =>
      withApp(
        { throttle: { perAccount: { points: 100, durationSeconds: 900 }, perIp: { points: 3, durationSeconds: 900 } } },
        async (app) => {
          const user = await createUser(app, "xff");
          await failTimes(
            app,
            3,
            () => uniqueName("rot"),
            (i) => ({ "x-forwarded-for": `203.0.113.${i + 1}` }),
          );
          assertThrottled(await attempt(app, user.username, user.password, { "x-forwarded-for": "198.51.100.77" }));
        },
      ));

    it("honours X-Forwarded-For with trustProxy: true, counting each forwarded client apart", () =>
      withApp(
        {
          trustProxy: true,
          throttle: { perAccount: { points: 100, durationSeconds: 900 }, perIp: { points: 3, durationSeconds: 900 } },
        },
        async (app) => {
          const user = await createUser(app, "xfftrust");
          await failTimes(
            app,
            3,
            () => uniqueName("one"),
            () => ({ "x-forwarded-for": "203.0.113.9" }),
          );
          assertThrottled(await attempt(app, user.username, user.password, { "x-forwarded-for": "203.0.113.9" }));
          // The proxy appends the real peer: a forged left-hand value is not what is counted.
          assertThrottled(
            await attempt(app, user.username, user.password, { "x-forwarded-for": "10.9.9.9, 203.0.113.9" }),
          );
          const other = await attempt(app, user.username, user.password, { "x-forwarded-for": "198.51.100.4" });
          assert.equal(other.status, 200, other.text);
          const sessions = await app.latchkey.sessions.list({ userId: user.id });
          assert.equal(sessions[0]?.ip, "198.51.100.4", "the session records the forwarded client IP");
        },
      ));
  });
}
