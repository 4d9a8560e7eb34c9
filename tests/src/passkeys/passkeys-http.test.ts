import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  ConfigError,
  createLatchkey,
  cryptoRandom,
  passkeyAuthenticationOptions,
  silentLogger,
  verifyPasskeyAssertion,
  type PasskeyStore,
} from "@latchkey/core";
import { memoryStores } from "@latchkey/store-memory";
import { createTestClient, startSmtpSink, type SmtpSink, type TestClient, type TestResponse } from "@latchkey/testkit";
import { send } from "../contract/account-support.js";
import { fastHasher } from "../harness/test-latchkey.js";
import { createBackends, ORIGIN, RP_ID, startPasskeyApp, type PasskeyApp } from "./passkey-app.js";
import { createSoftAuthenticator, type SoftAuthenticator } from "./soft-authenticator.js";

const PASSWORD = "a long and unusual passphrase 42";
const FIVE_MINUTES_MS = 5 * 60_000;
let users = 0;

function assertError(res: TestResponse, status: number, code: string): void {
  assert.equal(res.status, status, res.text);
  assert.equal(res.json.code, code, res.text);
  assert.equal(typeof res.json.detail, "string");
}

/** A new user, logged in (so the session is fresh), with the software authenticator that will hold their passkeys. */
async function signedIn(
  app: PasskeyApp,
  options: { counter?: "increment" | "zero" } = {},
): Promise<{ client: TestClient; username: string; email: string; authenticator: SoftAuthenticator }> {
  users += 1;
  const username = `pk${users}`;
  const email = `${username}@example.com`;
  await app.latchkey.accounts.createUser({ username, password: PASSWORD, email });
  const client = createTestClient(app.baseUrl);
  assert.equal((await client.login(username, PASSWORD)).status, 200);
  return {
    client,
    username,
    email,
    authenticator: createSoftAuthenticator({ origin: ORIGIN, rpId: RP_ID, ...options }),
  };
}

async function registerWith(
  client: TestClient,
  authenticator: SoftAuthenticator,
  name = "Laptop",
  forgery = {},
): Promise<TestResponse> {
  const options = await send(client, "POST", "/api/mfa/webauthn/register/options/");
  assert.equal(options.status, 200, options.text);
  return send(client, "POST", "/api/mfa/webauthn/register/", {
    name,
    credential: authenticator.register(options.json as never, forgery),
  });
}

async function loginOptions(
  app: PasskeyApp,
): Promise<{ client: TestClient; options: { challenge: string; rpId?: string } }> {
  const client = createTestClient(app.baseUrl);
  const res = await send(client, "POST", "/api/login/webauthn/options/");
  assert.equal(res.status, 200, res.text);
  return { client, options: res.json as { challenge: string; rpId?: string } };
}

interface PasskeyJson {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
}

/** The passkey of a register answer. */
function passkeyOf(res: TestResponse): PasskeyJson {
  return res.json.passkey as PasskeyJson;
}

/** The passkeys the caller lists. */
async function listed(client: TestClient): Promise<PasskeyJson[]> {
  const res = await client.get("/api/mfa/webauthn/");
  assert.equal(res.status, 200, res.text);
  return res.json.passkeys as PasskeyJson[];
}

/** The user of a login answer. */
function userOf(res: TestResponse): { username: string; lastLogin: string | null } {
  return res.json.user as { username: string; lastLogin: string | null };
}

const backends = createBackends();
after(() => backends.dispose());

for (const backend of backends.list) {
  describe(`passkeys over HTTP on ${backend.name}`, { skip: backend.skip }, () => {
    let sink: SmtpSink;
    let app: PasskeyApp;
    before(async () => {
      sink = await startSmtpSink();
      app = await startPasskeyApp(backend, sink);
    });
    after(async () => {
      await app?.close();
      await sink?.close();
    });

    it("registers a passkey in a fresh session, mails a notice, lists it, and logs in with it without a password", async () => {
      const { client, username, email, authenticator } = await signedIn(app);
      const registered = await registerWith(client, authenticator, "Work laptop");
      assert.equal(registered.status, 201, registered.text);
      assert.equal(passkeyOf(registered).name, "Work laptop");
      const notice = await sink.waitForMail(email, { predicate: (m) => /passkey was added/i.test(m.subject) });
      assert.match(notice.text, /Work laptop/);
      const list = await listed(client);
      assert.deepEqual(
        list.map((p) => p.name),
        ["Work laptop"],
      );
      assert.equal(list[0]?.lastUsedAt, null);

      const { client: browser, options } = await loginOptions(app);
      assert.equal(options.rpId, RP_ID);
      const login = await send(browser, "POST", "/api/login/webauthn/", { credential: authenticator.assert(options) });
      assert.equal(login.status, 200, login.text);
      assert.equal(userOf(login).username, username);
      assert.ok(userOf(login).lastLogin, "lastLogin is set, as by a password login");
      assert.ok(login.headers.get("x-csrftoken"), "the CSRF token is rotated");
      assert.equal((await browser.get("/api/whoami/")).json.username, username);
      assert.notEqual((await listed(client))[0]?.lastUsedAt, null);
    });

    it("refuses a registration and a login answered for another origin (phishing), and starts no session", async () => {
      const { client, authenticator } = await signedIn(app);
      assertError(
        await registerWith(client, authenticator, "Phished", { origin: "https://app.example.test.evil.example" }),
        400,
        "passkey_invalid",
      );
      assert.equal((await listed(client)).length, 0);
      assert.equal((await registerWith(client, authenticator)).status, 201);
      const { client: browser, options } = await loginOptions(app);
      assertError(
        await send(browser, "POST", "/api/login/webauthn/", {
          credential: authenticator.assert(options, { origin: "https://evil.example" }),
        }),
        400,
        "passkey_invalid",
      );
      assert.equal((await browser.get("/api/whoami/")).status, 401);
    });

    it("refuses a registration and a login signed for another relying-party ID", async () => {
      const { client, authenticator } = await signedIn(app);
      assertError(
        await registerWith(client, authenticator, "Other RP", { rpId: "evil.example" }),
        400,
        "passkey_invalid",
      );
      assert.equal((await registerWith(client, authenticator)).status, 201);
      const { client: browser, options } = await loginOptions(app);
      assertError(
        await send(browser, "POST", "/api/login/webauthn/", {
          credential: authenticator.assert(options, { rpId: "evil.example" }),
        }),
        400,
        "passkey_invalid",
      );
      assert.equal((await browser.get("/api/whoami/")).status, 401);
    });

    it("lets exactly one of 12 simultaneous replays of one login answer start a session", async () => {
      const { authenticator, client } = await signedIn(app, { counter: "zero" });
      assert.equal((await registerWith(client, authenticator)).status, 201);
      const { options } = await loginOptions(app);
      const credential = authenticator.assert(options);
      const browsers = await Promise.all(
        Array.from({ length: 12 }, async () => {
          const b = createTestClient(app.baseUrl);
          await b.fetchCsrf();
          return b;
        }),
      );
      const results = await Promise.all(browsers.map((b) => send(b, "POST", "/api/login/webauthn/", { credential })));
      assert.equal(results.filter((r) => r.status === 200).length, 1, results.map((r) => r.status).join(","));
      for (const r of results.filter((r) => r.status !== 200)) assertError(r, 400, "webauthn_challenge_invalid");
      const whoami = await Promise.all(browsers.map((b) => b.get("/api/whoami/")));
      assert.equal(whoami.filter((r) => r.status === 200).length, 1);
    });

    it("refuses a challenge answered after it expired, and a login challenge used to register", async () => {
      const { client, authenticator } = await signedIn(app);
      const options = await send(client, "POST", "/api/mfa/webauthn/register/options/");
      app.clock.advance(FIVE_MINUTES_MS + 1);
      assertError(
        await send(client, "POST", "/api/mfa/webauthn/register/", {
          credential: authenticator.register(options.json as never),
        }),
        400,
        "webauthn_challenge_invalid",
      );
      const fresh = await signedIn(app);
      const { options: login } = await loginOptions(app);
      const forged = fresh.authenticator.register({
        challenge: login.challenge,
        rp: { id: RP_ID },
        user: { id: "eA" },
      });
      assertError(
        await send(fresh.client, "POST", "/api/mfa/webauthn/register/", { credential: forged }),
        400,
        "webauthn_challenge_invalid",
      );
    });

    it("refuses a login whose sign counter did not grow (a cloned authenticator)", async () => {
      const { client, authenticator } = await signedIn(app);
      assert.equal((await registerWith(client, authenticator)).status, 201);
      const first = await loginOptions(app);
      assert.equal(
        (
          await send(first.client, "POST", "/api/login/webauthn/", {
            credential: authenticator.assert(first.options, { counter: 5 }),
          })
        ).status,
        200,
      );
      const clone = await loginOptions(app);
      assertError(
        await send(clone.client, "POST", "/api/login/webauthn/", {
          credential: authenticator.assert(clone.options, { counter: 5 }),
        }),
        400,
        "passkey_invalid",
      );
      assert.equal((await clone.client.get("/api/whoami/")).status, 401);
      const next = await loginOptions(app);
      assert.equal(
        (
          await send(next.client, "POST", "/api/login/webauthn/", {
            credential: authenticator.assert(next.options, { counter: 6 }),
          })
        ).status,
        200,
      );
    });

    it("refuses another user's passkey as this user's second factor, and a credential registered twice", async () => {
      const alice = await signedIn(app);
      const bob = await signedIn(app);
      assert.equal((await registerWith(alice.client, alice.authenticator)).status, 201);
      assert.equal((await registerWith(bob.client, bob.authenticator)).status, 201);
      const store = app.stores.passkeys as PasskeyStore;
      const context = {
        config: app.latchkey.config,
        world: { clock: app.clock, random: cryptoRandom, logger: silentLogger },
        store,
      };
      const bobId = String((await app.latchkey.accounts.findUser(bob.username))?.id);
      const options = await passkeyAuthenticationOptions(context, { purpose: "second_factor", userId: bobId });
      await assert.rejects(
        verifyPasskeyAssertion(context, alice.authenticator.assert(options), {
          purpose: "second_factor",
          userId: bobId,
        }),
        (e: { code?: string }) => e.code === "passkey_invalid",
      );
      const again = await passkeyAuthenticationOptions(context, { purpose: "second_factor", userId: bobId });
      assert.equal(
        (
          await verifyPasskeyAssertion(context, bob.authenticator.assert(again), {
            purpose: "second_factor",
            userId: bobId,
          })
        ).userId,
        bobId,
      );

      // Bob presents Alice's credential to his own registration: one authenticator key belongs to one account.
      const bobOptions = await send(bob.client, "POST", "/api/mfa/webauthn/register/options/");
      const copy = alice.authenticator.register(bobOptions.json as never, { reuse: 0 });
      assertError(
        await send(bob.client, "POST", "/api/mfa/webauthn/register/", { credential: copy }),
        400,
        "passkey_already_registered",
      );
      assert.equal(
        (await store.findByCredentialId(copy.id))?.userId,
        String((await app.latchkey.accounts.findUser(alice.username))?.id),
      );
    });

    it("renames and removes only the caller's own passkeys: another user's id is 404 and stays", async () => {
      const alice = await signedIn(app);
      const mallory = await signedIn(app);
      const created = await registerWith(alice.client, alice.authenticator);
      const id = passkeyOf(created).id;
      assertError(await send(mallory.client, "PATCH", `/api/mfa/webauthn/${id}/`, { name: "mine" }), 404, "not_found");
      assertError(await send(mallory.client, "DELETE", `/api/mfa/webauthn/${id}/`), 404, "not_found");
      assertError(
        await send(alice.client, "PATCH", `/api/mfa/webauthn/${id}/`, { name: "two\nlines" }),
        400,
        "invalid_body",
      );
      const renamed = await send(alice.client, "PATCH", `/api/mfa/webauthn/${id}/`, { name: "Phone" });
      assert.equal(renamed.status, 200, renamed.text);
      assert.deepEqual(
        (await listed(alice.client)).map((p) => p.name),
        ["Phone"],
      );
      const removed = await send(alice.client, "DELETE", `/api/mfa/webauthn/${id}/`);
      assert.equal(removed.status, 200, removed.text);
      await sink.waitForMail(alice.email, {
        predicate: (m) => /passkey was removed/i.test(m.subject) && /Phone/.test(m.text),
      });
      const { client: browser, options } = await loginOptions(app);
      assertError(
        await send(browser, "POST", "/api/login/webauthn/", { credential: alice.authenticator.assert(options) }),
        400,
        "passkey_invalid",
      );
    });

    it("asks a stale session to re-authenticate before adding or removing a passkey", async () => {
      const { client, authenticator } = await signedIn(app);
      const created = await registerWith(client, authenticator);
      app.clock.advance(FIVE_MINUTES_MS + 1);
      assertError(await send(client, "POST", "/api/mfa/webauthn/register/options/"), 403, "reauthentication_required");
      assertError(
        await send(client, "DELETE", `/api/mfa/webauthn/${passkeyOf(created).id}/`),
        403,
        "reauthentication_required",
      );
      assert.equal((await listed(client)).length, 1);
      assert.equal((await send(client, "POST", "/api/reauthenticate/", { password: PASSWORD })).status, 200);
      assert.equal((await send(client, "DELETE", `/api/mfa/webauthn/${passkeyOf(created).id}/`)).status, 200);
    });

    it("refuses a deactivated user's passkey with the same answer as an unknown one", async () => {
      const { client, username, authenticator } = await signedIn(app);
      assert.equal((await registerWith(client, authenticator)).status, 201);
      const user = await app.latchkey.accounts.findUser(username);
      await app.latchkey.accounts.setActive(String(user?.id), false);
      const { client: browser, options } = await loginOptions(app);
      assertError(
        await send(browser, "POST", "/api/login/webauthn/", { credential: authenticator.assert(options) }),
        400,
        "passkey_invalid",
      );
      assert.equal((await browser.get("/api/whoami/")).status, 401);
    });

    it("removes the user's passkeys with the account", async () => {
      const { client, authenticator } = await signedIn(app);
      const created = await registerWith(client, authenticator);
      assert.equal(created.status, 201);
      assert.equal((await send(client, "POST", "/api/account/delete/")).status, 200);
      const { client: browser, options } = await loginOptions(app);
      const credential = authenticator.assert(options);
      assert.equal(await (app.stores.passkeys as PasskeyStore).findByCredentialId(credential.id), null);
      assertError(await send(browser, "POST", "/api/login/webauthn/", { credential }), 400, "passkey_invalid");
    });

    it("lets exactly 5 of 12 simultaneous passwordless-login starts from one client through a limit of 5, the rest 429 with Retry-After", async () => {
      const limited = await startPasskeyApp(backend, sink, {
        throttle: { enabled: true },
        passkeys: { origins: [ORIGIN], loginOptionsPerIp: { points: 5, durationSeconds: 60 } },
      });
      try {
        const browsers = await Promise.all(
          Array.from({ length: 12 }, async () => {
            const b = createTestClient(limited.baseUrl);
            await b.fetchCsrf();
            return b;
          }),
        );
        const results = await Promise.all(browsers.map((b) => send(b, "POST", "/api/login/webauthn/options/")));
        assert.equal(results.filter((r) => r.status === 200).length, 5, results.map((r) => r.status).join(","));
        for (const r of results.filter((r) => r.status !== 200)) {
          assertError(r, 429, "throttled");
          assert.ok(Number(r.headers.get("retry-after")) >= 1);
        }
      } finally {
        await limited.close();
      }
    });

    it("answers a malformed credential with 400 invalid_body and a detail", async () => {
      const { client } = await signedIn(app);
      assertError(
        await send(client, "POST", "/api/mfa/webauthn/register/", { credential: { id: "x" } }),
        400,
        "invalid_body",
      );
      const { client: browser } = await loginOptions(app);
      assertError(await send(browser, "POST", "/api/login/webauthn/", { credential: "nope" }), 400, "invalid_body");
    });
  });
}

describe("passkey settings", () => {
  const base = { stores: memoryStores(), passwords: { hasher: fastHasher } };
  it("derive the origin and RP ID from publicOrigin", () => {
    const { config } = createLatchkey({ ...base, publicOrigin: "https://shop.example.com" });
    assert.deepEqual(
      [config.passkeys.origins, config.passkeys.rpId, config.passkeys.enabled],
      [["https://shop.example.com"], "shop.example.com", true],
    );
  });
  it("turn the passkey routes off without an origin, rather than trusting the request's Host", () => {
    const { config } = createLatchkey(base);
    assert.equal(config.passkeys.enabled, false);
    assert.deepEqual(config.routes.webauthnLogin, []);
  });
  it("refuse at start an RP ID that does not cover an origin, an IP RP ID and a plain-http origin", () => {
    assert.throws(
      () => createLatchkey({ ...base, passkeys: { origins: ["https://app.example.com"], rpId: "other.example" } }),
      (e) => e instanceof ConfigError && /does not cover/.test(e.message),
    );
    assert.throws(
      () => createLatchkey({ ...base, passkeys: { origins: ["https://127.0.0.1:8443"] } }),
      (e) => e instanceof ConfigError && /IP address/.test(e.message),
    );
    assert.throws(
      () => createLatchkey({ ...base, passkeys: { origins: ["http://app.example.com"] } }),
      (e) => e instanceof ConfigError && /plain http/.test(e.message),
    );
    assert.equal(
      createLatchkey({
        ...base,
        passkeys: { origins: ["http://localhost:5173", "https://app.localhost"], rpId: "localhost" },
      }).config.passkeys.rpId,
      "localhost",
    );
  });
});
