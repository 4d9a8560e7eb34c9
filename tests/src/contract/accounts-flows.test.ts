import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startSmtpSink, type SmtpSink } from "@latchkey/testkit";
import { ADAPTERS } from "../harness/adapters.js";
import type { AppUnderTest } from "../harness/app-under-test.js";
import { anonymous, comparableHeaders, send, signUpVerified, startMailApp, uniqueEmail } from "./account-support.js";
import { assertError, bearerToken, createUser, loggedInClient, PASSWORD } from "./support.js";

const NEW_PASSWORD = "another quite long passphrase 9";
const MINUTE = 60_000;

for (const [adapter, start] of Object.entries(ADAPTERS)) {
  describe(`account lifecycle over real SMTP (${adapter} adapter)`, () => {
    let sink: SmtpSink;
    let app: AppUnderTest;
    before(async () => {
      sink = await startSmtpSink();
      app = await startMailApp(start, sink, { throttle: { enabled: false } });
    });
    after(async () => {
      await app.close();
      await sink.close();
    });

    it("signs up with mandatory verification: 202 and no session, login refused until the emailed link is opened, the link works once", async () => {
      const email = uniqueEmail("signup");
      const username = email.split("@")[0] ?? "x";
      const client = anonymous(app);
      const res = await send(client, "POST", "/api/signup/", { username, email, password: PASSWORD });
      assert.equal(res.status, 202, res.text);
      assert.equal(res.json.code, "verification_sent");
      assert.equal(client.cookie("sessionid"), undefined);
      const mail = await sink.waitForMail(email);
      assert.match(mail.text, new RegExp(`${app.baseUrl}/verify-email\\?key=[A-Za-z0-9_-]{43}`));
      assert.match(mail.html, /<a href="http:\/\/127\.0\.0\.1:\d+\/verify-email\?key=/);
      assertError(await client.login(username, PASSWORD), 403, "email_unverified");
      const verified = await send(anonymous(app), "POST", "/api/email/verify/", { key: mail.key });
      assert.equal(verified.status, 200, verified.text);
      assert.equal(verified.json.email, email);
      assert.equal((await anonymous(app).login(username, PASSWORD)).status, 200);
      assertError(await send(anonymous(app), "POST", "/api/email/verify/", { key: mail.key }), 400, "key_invalid");
    });

    it("answers a sign-up with a registered address exactly as a new one, and mails the owner a notice instead", async () => {
      const owner = await signUpVerified(app, sink, "owner");
      const fresh = uniqueEmail("fresh");
      const known = await send(anonymous(app), "POST", "/api/signup/", {
        username: `${owner.username}x`,
        email: owner.email,
        password: PASSWORD,
      });
      const unknown = await send(anonymous(app), "POST", "/api/signup/", {
        username: fresh.split("@")[0],
        email: fresh,
        password: PASSWORD,
      });
      assert.equal(known.status, unknown.status);
      assert.equal(known.text, unknown.text);
      assert.deepEqual(comparableHeaders(known), comparableHeaders(unknown));
      assert.deepEqual(known.setCookies, unknown.setCookies);
      const notice = await sink.waitForMail(owner.email, { predicate: (m) => /tried to sign up/.test(m.subject) });
      assert.equal(notice.key, null);
      assert.equal(await app.latchkey.accounts.findUser(`${owner.username}x`), null);
    });

    it("refuses a taken username with 400 username_taken and a bad address with 400 email_invalid", async () => {
      const user = await createUser(app, "taken");
      assertError(
        await send(anonymous(app), "POST", "/api/signup/", {
          username: user.username,
          email: uniqueEmail("t"),
          password: PASSWORD,
        }),
        400,
        "username_taken",
      );
      assertError(
        await send(anonymous(app), "POST", "/api/signup/", {
          username: "nobody-yet",
          email: "not an address",
          password: PASSWORD,
        }),
        400,
        "email_invalid",
      );
      assertError(await send(anonymous(app), "POST", "/api/signup/", { username: "nobody-yet" }), 400, "invalid_body");
      assertError(
        await send(anonymous(app), "POST", "/api/signup/", {
          username: "nobody-yet",
          email: uniqueEmail("w"),
          password: "nobody-yet",
        }),
        400,
        "password_invalid",
      );
    });

    it("resets a forgotten password: the same 202 for known and unknown addresses, a one-time link, and every session and token of the user ends", async () => {
      const account = await signUpVerified(app, sink, "reset");
      const browser = anonymous(app);
      assert.equal((await browser.login(account.username, account.password)).status, 200);
      const { id } = (await app.latchkey.accounts.findUser(account.username)) ?? { id: "" };
      const token = await bearerToken(app, { id: String(id), username: account.username, password: account.password });
      const known = await send(anonymous(app), "POST", "/api/password/reset/", { email: account.email.toUpperCase() });
      const unknown = await send(anonymous(app), "POST", "/api/password/reset/", { email: uniqueEmail("ghost") });
      assert.equal(known.status, 202);
      assert.equal(known.text, unknown.text);
      assert.deepEqual(comparableHeaders(known), comparableHeaders(unknown));
      const mail = await sink.waitForMail(account.email, { predicate: (m) => /reset-password\?key=/.test(m.text) });
      const done = await send(anonymous(app), "POST", "/api/password/reset/confirm/", {
        key: mail.key,
        new_password: NEW_PASSWORD,
      });
      assert.equal(done.status, 200, done.text);
      assert.equal((await browser.get("/api/whoami/")).status, 401);
      assert.equal(
        (await anonymous(app).get("/api/whoami/", { headers: { authorization: `Bearer ${token}` } })).status,
        401,
      );
      assert.equal((await anonymous(app).login(account.username, NEW_PASSWORD)).status, 200);
      assertError(
        await send(anonymous(app), "POST", "/api/password/reset/confirm/", {
          key: mail.key,
          new_password: "yet another passphrase 77",
        }),
        400,
        "key_invalid",
      );
    });

    it("keeps a reset link usable when the new password is refused, and kills it when the password changes by another path", async () => {
      const account = await signUpVerified(app, sink, "reset2");
      await send(anonymous(app), "POST", "/api/password/reset/", { email: account.email });
      const mail = await sink.waitForMail(account.email, { predicate: (m) => /reset-password/.test(m.text) });
      assertError(
        await send(anonymous(app), "POST", "/api/password/reset/confirm/", { key: mail.key, new_password: "password" }),
        400,
        "password_invalid",
      );
      const user = await app.latchkey.accounts.findUser(account.username);
      assert.ok(user);
      assert.equal((await app.latchkey.accounts.setPassword(String(user.id), NEW_PASSWORD)).ok, true);
      assertError(
        await send(anonymous(app), "POST", "/api/password/reset/confirm/", {
          key: mail.key,
          new_password: "a third long passphrase 5",
        }),
        400,
        "key_invalid",
      );
    });

    it("refuses an expired reset link with the same 400 key_invalid", async () => {
      const account = await signUpVerified(app, sink, "expire");
      await send(anonymous(app), "POST", "/api/password/reset/", { email: account.email });
      const mail = await sink.waitForMail(account.email, { predicate: (m) => /reset-password/.test(m.text) });
      app.clock.advance(60 * MINUTE + 1);
      assertError(
        await send(anonymous(app), "POST", "/api/password/reset/confirm/", {
          key: mail.key,
          new_password: NEW_PASSWORD,
        }),
        400,
        "key_invalid",
      );
    });

    it("uses one reset link for exactly one of 10 simultaneous confirmations", async () => {
      const account = await signUpVerified(app, sink, "race");
      await send(anonymous(app), "POST", "/api/password/reset/", { email: account.email });
      const mail = await sink.waitForMail(account.email, { predicate: (m) => /reset-password/.test(m.text) });
      const clients = await Promise.all(
        Array.from({ length: 10 }, async () => {
          const c = anonymous(app);
          await c.fetchCsrf();
          return c;
        }),
      );
      const results = await Promise.all(
        clients.map((c, i) =>
          send(c, "POST", "/api/password/reset/confirm/", { key: mail.key, new_password: `${NEW_PASSWORD} ${i}` }),
        ),
      );
      assert.equal(results.filter((r) => r.status === 200).length, 1);
      for (const r of results.filter((r) => r.status !== 200)) assertError(r, 400, "key_invalid");
    });

    it("asks for the password again after the freshness window, then changes the address through a link bound to the new address", async () => {
      const account = await signUpVerified(app, sink, "change");
      const client = anonymous(app);
      assert.equal((await client.login(account.username, account.password)).status, 200);
      app.clock.advance(5 * MINUTE + 1);
      const target = uniqueEmail("newaddr");
      assertError(
        await send(client, "POST", "/api/email/change/", { email: target }),
        403,
        "reauthentication_required",
      );
      assertError(
        await send(client, "POST", "/api/reauthenticate/", { password: "wrong password" }),
        400,
        "reauthentication_failed",
      );
      assert.equal((await client.get("/api/whoami/")).status, 200);
      const reauth = await send(client, "POST", "/api/reauthenticate/", { password: account.password });
      assert.equal(reauth.status, 200, reauth.text);
      assert.equal(typeof reauth.json.freshUntil, "string");
      assert.equal((await send(client, "POST", "/api/email/change/", { email: target })).status, 202);
      const link = await sink.waitForMail(target);
      await sink.waitForMail(account.email, {
        predicate: (m) => m.subject.includes("being changed") && m.text.includes(target),
      });
      const other = uniqueEmail("second");
      assert.equal((await send(client, "POST", "/api/email/change/", { email: other })).status, 202);
      await sink.waitForMail(other);
      const confirmed = await send(anonymous(app), "POST", "/api/email/verify/", { key: link.key });
      assert.equal(confirmed.status, 200, confirmed.text);
      assert.equal(confirmed.json.email, target);
      assert.equal((await client.get("/api/whoami/")).json.email, target);
    });

    it("deletes the account only with a fresh session, ending every session and token", async () => {
      const user = await createUser(app, "delete", { emailVerified: true });
      const client = await loggedInClient(app, user);
      const token = await bearerToken(app, user);
      app.clock.advance(5 * MINUTE + 1);
      assertError(await send(client, "POST", "/api/account/delete/"), 403, "reauthentication_required");
      assert.equal((await send(client, "POST", "/api/reauthenticate/", { password: user.password })).status, 200);
      const res = await send(client, "POST", "/api/account/delete/");
      assert.equal(res.status, 200, res.text);
      assert.ok(res.setCookies.some((c) => c.startsWith("sessionid=;") || /^sessionid=[^;]*;.*Max-Age=0/i.test(c)));
      assert.equal((await client.get("/api/whoami/")).status, 401);
      assert.equal(
        (await anonymous(app).get("/api/whoami/", { headers: { authorization: `Bearer ${token}` } })).status,
        401,
      );
      assert.equal(await app.latchkey.accounts.getUser(user.id), null);
    });

    it("lists the caller's sessions without tokens, revokes one by id, refuses another user's id with 404, and revokes all others", async () => {
      const user = await createUser(app, "devices", { emailVerified: true });
      const laptop = await loggedInClient(app, user);
      const phone = await loggedInClient(app, user);
      const token = await bearerToken(app, user);
      const list = await laptop.get("/api/sessions/");
      assert.equal(list.status, 200);
      const sessions = list.json.sessions as { id: string; current: boolean; kind: string }[];
      assert.equal(sessions.length, 3);
      assert.equal(sessions.filter((s) => s.current).length, 1);
      assert.ok(!list.text.includes(token) && !list.text.includes(laptop.cookie("sessionid") ?? "-"));
      const phoneId = (await phone.get("/api/sessions/")).json.sessions as { id: string; current: boolean }[];
      const phoneSession = phoneId.find((s) => s.current);
      assert.ok(phoneSession);
      const stranger = await loggedInClient(app, await createUser(app, "stranger", { emailVerified: true }));
      assertError(await send(stranger, "DELETE", `/api/sessions/${phoneSession.id}/`), 404, "not_found");
      assert.equal((await phone.get("/api/whoami/")).status, 200);
      assert.equal((await send(laptop, "DELETE", `/api/sessions/${phoneSession.id}/`)).status, 200);
      assert.equal((await phone.get("/api/whoami/")).status, 401);
      const others = await send(laptop, "POST", "/api/sessions/revoke-others/");
      assert.deepEqual(others.json, { revoked: 1 });
      assert.equal(
        (await anonymous(app).get("/api/whoami/", { headers: { authorization: `Bearer ${token}` } })).status,
        401,
      );
      const own = ((await laptop.get("/api/sessions/")).json.sessions as { id: string }[])[0];
      assert.ok(own);
      assert.equal((await send(laptop, "DELETE", `/api/sessions/${own.id}`)).status, 200);
      assert.equal((await laptop.get("/api/whoami/")).status, 401);
    });

    it("sends a new verification link on request with the same 202 for every address", async () => {
      const email = uniqueEmail("resend");
      await send(anonymous(app), "POST", "/api/signup/", { username: email.split("@")[0], email, password: PASSWORD });
      await sink.waitForMail(email);
      const known = await send(anonymous(app), "POST", "/api/email/verify/resend/", { email });
      const unknown = await send(anonymous(app), "POST", "/api/email/verify/resend/", { email: uniqueEmail("nobody") });
      assert.equal(known.status, 202);
      assert.equal(known.text, unknown.text);
      await sink.waitForMail(email, { predicate: (m) => sink.messages.filter((x) => x.to === email).indexOf(m) === 1 });
    });
  });
}

describe("account settings", () => {
  const start = ADAPTERS.node;
  if (start === undefined) throw new Error("no node adapter");

  it("serves no sign-up route unless signup.enabled", async () => {
    const app = await start();
    try {
      const res = await send(anonymous(app), "POST", "/api/signup/", {
        username: "x",
        email: "x@example.com",
        password: PASSWORD,
      });
      assert.equal(res.status, 404);
      assert.equal((app.latchkey.openapi().paths as Record<string, unknown>)["/api/signup/"], undefined);
      assert.ok((app.latchkey.openapi().paths as Record<string, unknown>)["/api/password/reset/"]);
    } finally {
      await app.close();
    }
  });

  it("with verification optional, signs up with 201, the user and a session", async () => {
    const sink = await startSmtpSink();
    const app = await startMailApp(start, sink, { signup: { enabled: true, emailVerification: "optional" } });
    try {
      const client = anonymous(app);
      const email = uniqueEmail("optional");
      const res = await send(client, "POST", "/api/signup/", {
        username: email.split("@")[0],
        email,
        password: PASSWORD,
        firstName: "Ada",
      });
      assert.equal(res.status, 201, res.text);
      assert.equal((res.json.user as Record<string, unknown>).firstName, "Ada");
      assert.equal((await client.get("/api/whoami/")).status, 200);
      await sink.waitForMail(email);
      assertError(
        await send(anonymous(app), "POST", "/api/signup/", { username: "someone-else", email, password: PASSWORD }),
        400,
        "email_taken",
      );
    } finally {
      await app.close();
      await sink.close();
    }
  });

  it("logs in by email address only with login.identifiers including email", async () => {
    for (const identifiers of [["username"], ["username", "email"]] as const) {
      const app = await start({ login: { identifiers: [...identifiers] } });
      try {
        const user = await createUser(app, "byemail");
        const res = await anonymous(app).login(`${user.username}@example.com`, user.password);
        assert.equal(res.status, identifiers.length === 2 ? 200 : 400, res.text);
      } finally {
        await app.close();
      }
    }
  });
});
