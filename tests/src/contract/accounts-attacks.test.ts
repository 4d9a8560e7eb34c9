import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createTestClient, startSmtpSink, waitUntil, type SmtpSink } from "@latchkey/testkit";
import { testInternals } from "../harness/test-latchkey.js";
import { ADAPTERS } from "../harness/adapters.js";
import type { AppUnderTest } from "../harness/app-under-test.js";
import { anonymous, send, signUpVerified, startMailApp, uniqueEmail } from "./account-support.js";
import { assertCsrfRefused, assertError, createUser, loggedInClient, PASSWORD } from "./support.js";

/** Every unsafe account route, with a body that would otherwise be acted on. */
const UNSAFE_ROUTES: readonly [string, string, Record<string, unknown> | undefined][] = [
  ["POST", "/api/signup/", { username: "csrfvictim", email: "csrf@example.com", password: PASSWORD }],
  ["POST", "/api/email/verify/", { key: "A".repeat(43) }],
  ["POST", "/api/email/verify/resend/", { email: "csrf@example.com" }],
  ["POST", "/api/password/reset/", { email: "csrf@example.com" }],
  ["POST", "/api/password/reset/confirm/", { key: "A".repeat(43), new_password: "a new long passphrase 1" }],
  ["POST", "/api/reauthenticate/", { password: PASSWORD }],
  ["POST", "/api/email/change/", { email: "attacker@example.com" }],
  ["POST", "/api/account/delete/", undefined],
  ["POST", "/api/sessions/revoke-others/", undefined],
];

for (const [adapter, start] of Object.entries(ADAPTERS)) {
  describe(`account routes under attack (${adapter} adapter)`, () => {
    let sink: SmtpSink;
    before(async () => {
      sink = await startSmtpSink();
    });
    after(() => sink.close());

    it("refuses every unsafe account route from a logged-in browser without the CSRF token, and from a cross-site page", async () => {
      const app = await startMailApp(start, sink, { throttle: { enabled: false } });
      try {
        const user = await createUser(app, "csrf", { emailVerified: true });
        const victim = await loggedInClient(app, user);
        for (const [method, path, json] of UNSAFE_ROUTES) {
          assertCsrfRefused(
            await victim.request(method, path, json === undefined ? {} : { json }),
            "csrf_token_missing",
          );
          const evil = createTestClient(app.baseUrl, { origin: "https://evil.example", secFetchSite: "cross-site" });
          evil.setCookie("sessionid", victim.cookie("sessionid") ?? "");
          evil.setCookie("csrftoken", victim.cookie("csrftoken") ?? "");
          const res = await evil.request(method, path, {
            ...(json === undefined ? {} : { json }),
            headers: { "x-csrftoken": victim.csrfToken ?? "" },
          });
          assert.equal(res.status, 403, `${method} ${path} from a cross-site page: ${res.text}`);
        }
        const mine = ((await victim.get("/api/sessions/")).json.sessions as { id: string }[])[0];
        assert.ok(mine);
        assertCsrfRefused(await victim.request("DELETE", `/api/sessions/${mine.id}/`), "csrf_token_missing");
        assert.equal((await victim.get("/api/whoami/")).status, 200);
        assert.notEqual(await app.latchkey.accounts.getUser(user.id), null);
      } finally {
        await app.close();
      }
    });

    it("holds the per-IP reset limit exactly under a burst of 20 simultaneous requests: 5 answered 202, the rest 429 with Retry-After", async () => {
      const app = await startMailApp(start, sink, { accounts: { mailPerIp: { points: 5, durationSeconds: 600 } } });
      try {
        const clients = await Promise.all(
          Array.from({ length: 20 }, async () => {
            const c = anonymous(app);
            await c.fetchCsrf();
            return c;
          }),
        );
        const results = await Promise.all(
          clients.map((c) => send(c, "POST", "/api/password/reset/", { email: uniqueEmail("burst") })),
        );
        assert.equal(results.filter((r) => r.status === 202).length, 5);
        const refused = results.filter((r) => r.status !== 202);
        for (const r of refused) {
          assertError(r, 429, "throttled");
          assert.match(r.headers.get("retry-after") ?? "", /^\d+$/);
        }
      } finally {
        await app.close();
      }
    });

    it("mails one address at most its limit, silently: 10 simultaneous reset requests all get 202, exactly 3 mails go out", async () => {
      const app = await startMailApp(start, sink, { accounts: { mailPerIp: { points: 100, durationSeconds: 600 } } });
      try {
        const account = await signUpVerified(app, sink, "flood");
        const clients = await Promise.all(
          Array.from({ length: 10 }, async () => {
            const c = anonymous(app);
            await c.fetchCsrf();
            return c;
          }),
        );
        const results = await Promise.all(
          clients.map((c) => send(c, "POST", "/api/password/reset/", { email: account.email })),
        );
        for (const r of results) assert.equal(r.status, 202);
        await app.latchkey.settled();
        // Every queued message goes out: wait (bounded) until the outbox is empty.
        const accounts = testInternals(app.latchkey).stores.accounts;
        assert.ok(accounts);
        await waitUntil("an empty outbox", async () => (await accounts.countPendingMessages()) === 0, {
          timeoutMs: 10_000,
        });
        const resets = sink.messages.filter((m) => m.to === account.email && /reset-password/.test(m.text));
        // Sign-up's verification mail counted one on the address: 2 resets fit in the limit of 3.
        assert.equal(resets.length, 2);
      } finally {
        await app.close();
      }
    });

    it("holds the per-IP sign-up limit exactly under a burst of 12 simultaneous sign-ups", async () => {
      const app = await startMailApp(start, sink, { accounts: { signupPerIp: { points: 4, durationSeconds: 600 } } });
      try {
        const clients = await Promise.all(
          Array.from({ length: 12 }, async () => {
            const c = anonymous(app);
            await c.fetchCsrf();
            return c;
          }),
        );
        const results = await Promise.all(
          clients.map((c) => {
            const email = uniqueEmail("burstsignup");
            return send(c, "POST", "/api/signup/", { username: email.split("@")[0], email, password: PASSWORD });
          }),
        );
        assert.equal(results.filter((r) => r.status === 202).length, 4);
        for (const r of results.filter((r) => r.status !== 202)) assertError(r, 429, "throttled");
      } finally {
        await app.close();
      }
    });

    it("throttles re-authentication like login: wrong passwords lead to 429, and the session survives", async () => {
      const app = await startMailApp(start, sink, { throttle: { perAccount: { points: 3, durationSeconds: 600 } } });
      try {
        const user = await createUser(app, "reauth", { emailVerified: true });
        const client = await loggedInClient(app, user);
        for (let i = 0; i < 3; i++)
          assertError(
            await send(client, "POST", "/api/reauthenticate/", { password: "guess" }),
            400,
            "reauthentication_failed",
          );
        const res = await send(client, "POST", "/api/reauthenticate/", { password: user.password });
        assertError(res, 429, "throttled");
        assert.ok(res.headers.get("retry-after"));
        assert.equal((await client.get("/api/whoami/")).status, 200);
      } finally {
        await app.close();
      }
    });

    it("keeps a verification key from verifying an address the account no longer has", async () => {
      const app = await startMailApp(start, sink, { throttle: { enabled: false } });
      try {
        const email = uniqueEmail("stale");
        await send(anonymous(app), "POST", "/api/signup/", {
          username: email.split("@")[0],
          email,
          password: PASSWORD,
        });
        const mail = await sink.waitForMail(email);
        const user = await app.latchkey.accounts.findUser(email.split("@")[0] ?? "");
        assert.ok(user);
        await app.latchkey.accounts.updateUser(String(user.id), { email: uniqueEmail("other") });
        assertError(await send(anonymous(app), "POST", "/api/email/verify/", { key: mail.key }), 400, "key_invalid");
        assertError(await send(anonymous(app), "POST", "/api/email/verify/", { key: "not-a-key" }), 400, "key_invalid");
      } finally {
        await app.close();
      }
    });
  });
}
