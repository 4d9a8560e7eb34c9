import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createTestClient, startSmtpSink, type SmtpSink, type TestClient, type TestResponse } from "@latchkey/testkit";
import { send } from "../contract/account-support.js";
import { enrolTotp, MFA_KEY } from "../contract/mfa-support.js";
import { createBackends, ORIGIN, RP_ID, startPasskeyApp, type PasskeyApp } from "./passkey-app.js";
import { createSoftAuthenticator, type SoftAuthenticator } from "./soft-authenticator.js";

const PASSWORD = "a long and unusual passphrase 42";
const PENDING_TTL_MS = 300_000;
let users = 0;

function assertError(res: TestResponse, status: number, code: string): void {
  assert.equal(res.status, status, res.text);
  assert.equal(res.json.code, code, res.text);
  assert.equal(typeof res.json.detail, "string");
}

interface Member {
  username: string;
  password: string;
  /** Logged in with a fresh session (before any factor was added). */
  client: TestClient;
  authenticator: SoftAuthenticator;
}

/** A new user, logged in, with a software authenticator of their own. */
async function member(app: PasskeyApp, counter: "increment" | "zero" = "increment"): Promise<Member> {
  users += 1;
  const username = `mf${users}x${process.pid}`;
  await app.latchkey.accounts.createUser({ username, password: PASSWORD, email: `${username}@example.com` });
  const client = createTestClient(app.baseUrl);
  assert.equal((await client.login(username, PASSWORD)).status, 200);
  return {
    username,
    password: PASSWORD,
    client,
    authenticator: createSoftAuthenticator({ origin: ORIGIN, rpId: RP_ID, counter }),
  };
}

/** Registers a passkey for the member; resolves to the register answer. */
async function addPasskey(m: Member, name = "Laptop"): Promise<TestResponse> {
  const options = await send(m.client, "POST", "/api/mfa/webauthn/register/options/");
  assert.equal(options.status, 200, options.text);
  const res = await send(m.client, "POST", "/api/mfa/webauthn/register/", {
    name,
    credential: m.authenticator.register(options.json as never),
  });
  assert.equal(res.status, 201, res.text);
  return res;
}

/** A new browser whose password login answered 401 mfa_required. */
async function passwordStep(
  app: PasskeyApp,
  m: { username: string; password: string },
): Promise<{ browser: TestClient; res: TestResponse }> {
  const browser = createTestClient(app.baseUrl);
  const res = await browser.login(m.username, m.password);
  assertError(res, 401, "mfa_required");
  return { browser, res };
}

type RequestOptions = { challenge: string; rpId?: string; allowCredentials?: { id: string }[] };

async function passkeyOptions(browser: TestClient): Promise<RequestOptions> {
  const res = await send(browser, "POST", "/api/mfa/webauthn/authenticate/options/");
  assert.equal(res.status, 200, res.text);
  return res.json as RequestOptions;
}

function finish(browser: TestClient, credential: unknown): Promise<TestResponse> {
  return send(browser, "POST", "/api/mfa/authenticate/", { credential });
}

/**
 * Exactly one answer is a login; every other is a refusal (challenge taken, pending login used) or over an attempt
 * limit.
 */
function assertOneWinner(answers: TestResponse[]): void {
  const statuses = answers.map((a) => a.status).join(",");
  assert.equal(answers.filter((a) => a.status === 200).length, 1, statuses);
  for (const refused of answers.filter((a) => a.status !== 200)) {
    if (refused.status === 429) assertError(refused, 429, "throttled");
    else
      assert.ok(
        refused.status === 400 &&
          ["webauthn_challenge_invalid", "mfa_login_invalid"].includes(String(refused.json.code)),
        refused.text,
      );
  }
}

const backends = createBackends();
after(() => backends.dispose());

for (const backend of backends.list) {
  describe(`passkeys as a second factor over HTTP on ${backend.name}`, { skip: backend.skip }, () => {
    let sink: SmtpSink;
    let app: PasskeyApp;
    before(async () => {
      sink = await startSmtpSink();
      app = await startPasskeyApp(backend, sink, { mfa: { encryptionKeys: [MFA_KEY] } });
    });
    after(async () => {
      await app?.close();
      await sink?.close();
    });

    it("asks a user with a passkey for it after the password, and logs them in with it like a password login", async () => {
      const m = await member(app);
      const registered = await addPasskey(m);
      const recoveryCodes = registered.json.recoveryCodes as string[];
      assert.equal(recoveryCodes.length, 10, "the first second factor comes with 10 recovery codes");
      assert.equal((await addPasskey(m, "Phone")).json.recoveryCodes, undefined, "the second passkey brings none");
      const status = await m.client.get("/api/mfa/");
      assert.deepEqual((status.json.passkeys as { name: string }[]).map((p) => p.name).sort(), ["Laptop", "Phone"]);
      assert.deepEqual(status.json.recoveryCodes, { remaining: 10 });

      const { browser, res } = await passwordStep(app, m);
      assert.deepEqual(res.json.methods, ["webauthn", "recovery_code"]);
      assert.equal((await browser.get("/api/whoami/")).status, 401, "the password alone opens no session");
      const options = await passkeyOptions(browser);
      assert.equal(options.rpId, RP_ID);
      assert.equal(options.allowCredentials?.length, 2, "the options list exactly this user's two passkeys");
      const pendingCookie = browser.cookie("latchkey_mfa") ?? "";
      const done = await finish(browser, m.authenticator.assert(options));
      assert.equal(done.status, 200, done.text);
      assert.equal((done.json.user as { username: string }).username, m.username);
      assert.ok(done.headers.get("x-csrftoken"), "the CSRF token is rotated, as by a login");
      assert.equal((await browser.get("/api/whoami/")).json.username, m.username);
      // The pending login is single-use: its cookie, replayed from another browser, opens nothing more.
      const replay = createTestClient(app.baseUrl);
      replay.setCookie("latchkey_mfa", pendingCookie);
      assertError(await send(replay, "POST", "/api/mfa/webauthn/authenticate/options/"), 400, "mfa_login_invalid");
    });

    it("offers totp, webauthn and recovery codes to a user with both an authenticator app and a passkey, and takes a recovery code from a passkey user", async () => {
      const m = await member(app);
      const { client, recoveryCodes } = await enrolTotp(app.baseUrl, app.clock, m);
      assert.equal(recoveryCodes.length, 10);
      const registered = await addPasskey({ ...m, client });
      assert.equal(registered.json.recoveryCodes, undefined, "the authenticator app already brought the codes");
      const { res } = await passwordStep(app, m);
      assert.deepEqual(res.json.methods, ["totp", "webauthn", "recovery_code"]);

      const onlyPasskey = await member(app);
      const codes = (await addPasskey(onlyPasskey)).json.recoveryCodes as string[];
      const { browser } = await passwordStep(app, onlyPasskey);
      const done = await send(browser, "POST", "/api/mfa/authenticate/", { code: codes[0] });
      assert.equal(done.status, 200, done.text);
    });

    it("finishes a token login with a passkey: options and answer carry the mfaToken, and the answer is a bearer token", async () => {
      const m = await member(app);
      await addPasskey(m);
      const api = createTestClient(app.baseUrl);
      const first = await api.post("/api/token/login/", {
        bare: true,
        json: { username: m.username, password: PASSWORD, label: "CLI" },
      });
      assertError(first, 401, "mfa_required");
      const mfaToken = String(first.json.mfaToken);
      const options = await api.post("/api/mfa/webauthn/authenticate/options/", { bare: true, json: { mfaToken } });
      assert.equal(options.status, 200, options.text);
      const done = await api.post("/api/mfa/authenticate/", {
        bare: true,
        json: { mfaToken, credential: m.authenticator.assert(options.json as RequestOptions) },
      });
      assert.equal(done.status, 200, done.text);
      const who = await createTestClient(app.baseUrl).get("/api/whoami/", {
        headers: { authorization: `Bearer ${String(done.json.token)}` },
      });
      assert.equal(who.json.username, m.username);
    });

    it("refuses another user's passkey, and a passwordless-login challenge, as this user's second factor; the pending login survives for the right passkey", async () => {
      const victim = await member(app);
      await addPasskey(victim);
      const attacker = await member(app);
      await addPasskey(attacker);
      const { browser } = await passwordStep(app, victim);
      // The attacker holds the victim's password but not their passkey: their own valid passkey must not do.
      assertError(
        await finish(browser, attacker.authenticator.assert(await passkeyOptions(browser))),
        400,
        "passkey_invalid",
      );
      assert.equal((await browser.get("/api/whoami/")).status, 401);
      const loginOptions = await send(createTestClient(app.baseUrl), "POST", "/api/login/webauthn/options/");
      assertError(
        await finish(browser, victim.authenticator.assert(loginOptions.json as RequestOptions)),
        400,
        "webauthn_challenge_invalid",
      );
      assert.equal((await browser.get("/api/whoami/")).status, 401);
      const done = await finish(browser, victim.authenticator.assert(await passkeyOptions(browser)));
      assert.equal(done.status, 200, done.text);
    });

    it("lets exactly one of 12 simultaneous finishes with one answered challenge start a session; the rest are refused or throttled", async () => {
      // A zero counter (as most synced passkeys keep) leaves the challenge as the only thing stopping the replay.
      const m = await member(app, "zero");
      await addPasskey(m);
      const { browser } = await passwordStep(app, m);
      const credential = m.authenticator.assert(await passkeyOptions(browser));
      const answers = await Promise.all(Array.from({ length: 12 }, () => finish(browser, credential)));
      assertOneWinner(answers);
      assert.equal((await browser.get("/api/whoami/")).json.username, m.username);
    });

    it("lets exactly one of 12 pending logins of one user, finished at once with one replayed passkey answer, start a session", async () => {
      const m = await member(app, "zero");
      await addPasskey(m);
      const browsers: TestClient[] = [];
      for (let i = 0; i < 12; i += 1) browsers.push((await passwordStep(app, m)).browser);
      const credential = m.authenticator.assert(await passkeyOptions(browsers[0] as TestClient));
      // Each request has a live pending login of its own: only the single-use challenge stops the copies.
      const answers = await Promise.all(browsers.map((b) => finish(b, credential)));
      assertOneWinner(answers);
      assert.equal(
        answers.filter((a) => a.status === 400).every((a) => a.json.code === "webauthn_challenge_invalid"),
        true,
      );
      const loggedIn = await Promise.all(browsers.map(async (b) => (await b.get("/api/whoami/")).status));
      assert.equal(loggedIn.filter((s) => s === 200).length, 1);
    });

    it("refuses options and a passkey answer once the pending login has expired", async () => {
      const m = await member(app);
      await addPasskey(m);
      const { browser } = await passwordStep(app, m);
      const options = await passkeyOptions(browser);
      app.clock.advance(PENDING_TTL_MS + 1_000);
      assertError(await finish(browser, m.authenticator.assert(options)), 400, "mfa_login_invalid");
      assertError(await send(browser, "POST", "/api/mfa/webauthn/authenticate/options/"), 400, "mfa_login_invalid");
      assert.equal((await browser.get("/api/whoami/")).status, 401);
    });

    it("refuses passkey options for a user with only an authenticator app, and makes the login password-only again when the last passkey goes", async () => {
      const totpOnly = await member(app);
      await enrolTotp(app.baseUrl, app.clock, totpOnly);
      const { browser, res } = await passwordStep(app, totpOnly);
      assert.deepEqual(res.json.methods, ["totp", "recovery_code"]);
      assertError(
        await send(browser, "POST", "/api/mfa/webauthn/authenticate/options/"),
        400,
        "mfa_webauthn_unavailable",
      );

      const m = await member(app);
      const id = ((await addPasskey(m)).json.passkey as { id: string }).id;
      assert.equal((await send(m.client, "DELETE", `/api/mfa/webauthn/${id}/`)).status, 200);
      assert.deepEqual(
        (await m.client.get("/api/mfa/")).json.recoveryCodes,
        { remaining: 0 },
        "recovery codes go with the last factor",
      );
      assert.equal((await createTestClient(app.baseUrl).login(m.username, PASSWORD)).status, 200);
    });

    it("limits passkey options to mfa.attemptsPerPendingLogin per pending login, exactly, under a burst of 12", async () => {
      const m = await member(app);
      await addPasskey(m);
      const { browser } = await passwordStep(app, m);
      const answers = await Promise.all(
        Array.from({ length: 12 }, () => send(browser, "POST", "/api/mfa/webauthn/authenticate/options/")),
      );
      assert.equal(answers.filter((a) => a.status === 200).length, 5);
      for (const refused of answers.filter((a) => a.status !== 200)) {
        assertError(refused, 429, "throttled");
        assert.ok(refused.headers.get("retry-after"));
      }
    });
  });
}
