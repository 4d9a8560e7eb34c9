import assert from "node:assert/strict";
import { it } from "node:test";
import type { LatchkeyOptions, Stores } from "@latchkey/core";
import { createTestClient } from "@latchkey/testkit";
import { createTestClock } from "../harness/test-clock.js";
import { send } from "./account-support.js";
import {
  authenticate,
  enrolTotp,
  mfaUser,
  pendingClient,
  startMfaServer,
  STEP_MS,
  totpCode,
  type MfaServer,
} from "./mfa-support.js";
import { assertError } from "./support.js";

const MINUTE = 60_000;

/** Fresh, empty stores of one backend and how to dispose of them. */
export type BackendFactory = (now: () => number) => Promise<{ stores: Stores; cleanup(): Promise<void> }>;

async function withServer(
  backend: BackendFactory,
  options: Partial<LatchkeyOptions>,
  body: (server: MfaServer) => Promise<void>,
): Promise<void> {
  // The throttle windows follow the test clock, so a test can move past one.
  const clock = createTestClock(Math.ceil(Date.now() / STEP_MS) * STEP_MS + 1_000);
  const { stores, cleanup } = await backend(clock.now);
  const server = await startMfaServer(stores, options, clock);
  try {
    await body(server);
  } finally {
    await server.close();
    await cleanup();
  }
}

/**
 * Registers every HTTP rule of SPEC §2b's TOTP and recovery codes against one backend (inside
 * the caller's `describe`): codes are computed here from the secret, the clock is moved for
 * the window edges, and each single-use rule is attacked with a burst of simultaneous requests.
 */
export function mfaRules(backend: BackendFactory): void {
  it("lets a user without a second factor log in exactly as before", () =>
    withServer(backend, {}, async ({ baseUrl, latchkey }) => {
      const user = await mfaUser(latchkey, "plain");
      const res = await createTestClient(baseUrl).login(user.username, user.password);
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json.detail, "Successfully logged in.");
    }));

  it("enrols TOTP: setup needs a fresh session, nothing is active until a code confirms it, and the first factor brings 10 recovery codes shown once", () =>
    withServer(backend, {}, async ({ baseUrl, latchkey, clock }) => {
      const user = await mfaUser(latchkey, "enrol");
      const client = createTestClient(baseUrl);
      assert.equal((await client.login(user.username, user.password)).status, 200);
      clock.advance(6 * MINUTE);
      assertError(await send(client, "POST", "/api/mfa/totp/setup/"), 403, "reauthentication_required");
      assert.equal((await send(client, "POST", "/api/reauthenticate/", { password: user.password })).status, 200);
      const setup = await send(client, "POST", "/api/mfa/totp/setup/");
      assert.equal(setup.status, 200, setup.text);
      const secret = String(setup.json.secret);
      assert.match(secret, /^[A-Z2-7]{32}$/);
      const url = new URL(String(setup.json.otpauthUrl));
      assert.equal(url.protocol, "otpauth:");
      assert.equal(decodeURIComponent(url.pathname), `/latchkey:${user.username}`);
      assert.equal(url.searchParams.get("secret"), secret);
      assert.equal(url.searchParams.get("issuer"), "latchkey");
      assert.equal(url.searchParams.get("digits"), "6");
      assert.equal(url.searchParams.get("period"), "30");
      assert.match(String(setup.json.qrSvg), /^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      assert.deepEqual((await client.get("/api/mfa/")).json, {
        totp: false,
        recoveryCodes: { remaining: 0 },
        passkeys: [],
      });
      assert.equal(
        (await createTestClient(baseUrl).login(user.username, user.password)).status,
        200,
        "an unconfirmed authenticator is no factor",
      );

      assertError(
        await send(client, "POST", "/api/mfa/totp/confirm/", { code: totpCode(secret, clock.now() + 5 * STEP_MS) }),
        400,
        "mfa_code_invalid",
      );
      const confirmed = await send(client, "POST", "/api/mfa/totp/confirm/", { code: totpCode(secret, clock.now()) });
      assert.equal(confirmed.status, 200, confirmed.text);
      const codes = confirmed.json.recoveryCodes as string[];
      assert.equal(codes.length, 10);
      assert.equal(new Set(codes).size, 10);
      for (const code of codes) assert.match(code, /^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/);
      assert.deepEqual((await client.get("/api/mfa/")).json, {
        totp: true,
        recoveryCodes: { remaining: 10 },
        passkeys: [],
      });
      assertError(await send(client, "POST", "/api/mfa/totp/setup/"), 400, "mfa_totp_active");
      assertError(
        await send(client, "POST", "/api/mfa/totp/confirm/", { code: totpCode(secret, clock.now()) }),
        400,
        "mfa_totp_active",
      );
    }));

  it("stores the TOTP secret sealed: the row holds neither the secret nor its bytes in clear", () =>
    withServer(backend, {}, async ({ baseUrl, latchkey, clock, stores }) => {
      const user = await mfaUser(latchkey, "sealed");
      const { secret } = await enrolTotp(baseUrl, clock, user);
      const row = await stores.mfa?.getTotp(user.id);
      assert.ok(row?.confirmed);
      assert.match(row.sealedSecret, /^v1\.test-2026\./);
      assert.ok(!row.sealedSecret.includes(secret));
      assert.ok(!row.sealedSecret.toUpperCase().includes(secret.slice(0, 8)));
    }));

  it("answers a correct password of an MFA user with 401 mfa_required and methods, no session, and a short-lived HttpOnly pending cookie; the code then logs in like login", () =>
    withServer(backend, {}, async ({ baseUrl, latchkey, clock }) => {
      const user = await mfaUser(latchkey, "login");
      const { secret } = await enrolTotp(baseUrl, clock, user);
      const { client, res } = await pendingClient(baseUrl, user);
      assert.deepEqual(res.json.methods, ["totp", "recovery_code"]);
      assert.equal(typeof res.json.detail, "string");
      assert.equal(res.json.mfaToken, undefined, "a cookie login gets no token in the body");
      assert.equal(client.cookie("sessionid"), undefined);
      const pendingLine = res.setCookies.find((line) => line.startsWith("latchkey_mfa="));
      assert.ok(pendingLine);
      assert.match(pendingLine, /; HttpOnly/);
      assert.match(pendingLine, /Max-Age=300/);
      assert.equal((await client.get("/api/whoami/")).status, 401);
      const pendingCookie = client.cookie("latchkey_mfa") ?? "";
      const csrfBefore = client.csrfToken;

      const done = await authenticate(client, totpCode(secret, clock.now()));
      assert.equal(done.status, 200, done.text);
      assert.equal(done.json.detail, "Successfully logged in.");
      assert.equal((done.json.user as Record<string, unknown>).username, user.username);
      assert.ok((done.json.user as Record<string, unknown>).lastLogin !== null);
      assert.ok(client.cookie("sessionid"));
      assert.notEqual(done.headers.get("x-csrftoken"), csrfBefore);
      assert.ok(
        done.setCookies.some((line) => line.startsWith("latchkey_mfa=;") && /Max-Age=0/.test(line)),
        "the pending cookie is cleared",
      );
      assert.equal((await client.get("/api/whoami/")).json.username, user.username);

      // The pending login was single-use: replaying its cookie with a later code finds nothing.
      const replay = createTestClient(baseUrl);
      replay.setCookie("latchkey_mfa", pendingCookie);
      clock.advance(STEP_MS);
      assertError(await authenticate(replay, totpCode(secret, clock.now())), 400, "mfa_login_invalid");
    }));

  it("accepts the codes of the previous, current and next step and refuses two steps away; each code works once", () =>
    withServer(
      backend,
      {
        mfa: {
          encryptionKeys: [{ id: "k", key: Buffer.alloc(32, 3).toString("base64url") }],
          attemptsPerUser: { points: 100, durationSeconds: 900 },
        },
      },
      async ({ baseUrl, latchkey, clock }) => {
        const user = await mfaUser(latchkey, "window");
        const { secret } = await enrolTotp(baseUrl, clock, user);
        clock.advance(10 * STEP_MS);
        const now = clock.now();
        const login = async (): Promise<ReturnType<typeof createTestClient>> =>
          (await pendingClient(baseUrl, user)).client;
        const pending = await login();
        assertError(await authenticate(pending, totpCode(secret, now - 2 * STEP_MS)), 400, "mfa_code_invalid");
        assertError(await authenticate(pending, totpCode(secret, now + 2 * STEP_MS)), 400, "mfa_code_invalid");
        assert.equal((await authenticate(pending, totpCode(secret, now - STEP_MS))).status, 200);
        const second = await login();
        assertError(await authenticate(second, totpCode(secret, now - STEP_MS)), 400, "mfa_code_invalid");
        assert.equal((await authenticate(second, totpCode(secret, now))).status, 200);
        const third = await login();
        assertError(await authenticate(third, totpCode(secret, now)), 400, "mfa_code_invalid");
        assert.equal((await authenticate(third, totpCode(secret, now + STEP_MS))).status, 200);
        const fourth = await login();
        assertError(await authenticate(fourth, totpCode(secret, now + STEP_MS)), 400, "mfa_code_invalid");
      },
    ));

  it("lets exactly one of 10 simultaneous logins through with one TOTP code (replay refused across requests)", () =>
    withServer(
      backend,
      {
        mfa: {
          encryptionKeys: [{ id: "k", key: Buffer.alloc(32, 4).toString("base64") }],
          attemptsPerUser: { points: 100, durationSeconds: 900 },
        },
      },
      async ({ baseUrl, latchkey, clock }) => {
        const user = await mfaUser(latchkey, "burst");
        const { secret } = await enrolTotp(baseUrl, clock, user);
        const clients = await Promise.all(
          Array.from({ length: 10 }, async () => (await pendingClient(baseUrl, user)).client),
        );
        const code = totpCode(secret, clock.now());
        const results = await Promise.all(clients.map((client) => authenticate(client, code)));
        assert.equal(results.filter((r) => r.status === 200).length, 1, results.map((r) => r.status).join(","));
        for (const r of results.filter((x) => x.status !== 200)) assertError(r, 400, "mfa_code_invalid");
      },
    ));

  it("takes each recovery code once: of 10 simultaneous logins with one code exactly one passes, and the count drops by one", () =>
    withServer(
      backend,
      {
        mfa: {
          encryptionKeys: [{ id: "k", key: Buffer.alloc(32, 5).toString("base64") }],
          attemptsPerUser: { points: 100, durationSeconds: 900 },
        },
      },
      async ({ baseUrl, latchkey, clock }) => {
        const user = await mfaUser(latchkey, "recovery");
        const { client: owner, recoveryCodes } = await enrolTotp(baseUrl, clock, user);
        const clients = await Promise.all(
          Array.from({ length: 10 }, async () => (await pendingClient(baseUrl, user)).client),
        );
        const code = (recoveryCodes[0] ?? "").toUpperCase();
        const results = await Promise.all(clients.map((client) => authenticate(client, code)));
        assert.equal(results.filter((r) => r.status === 200).length, 1, results.map((r) => r.status).join(","));
        assert.deepEqual((await owner.get("/api/mfa/")).json.recoveryCodes, { remaining: 9 });
        const again = await pendingClient(baseUrl, user);
        assertError(await authenticate(again.client, code), 400, "mfa_code_invalid");
        assert.equal((await authenticate(again.client, recoveryCodes[1] ?? "")).status, 200);
      },
    ));

  it("replaces the recovery codes on request (fresh session): the old set dies at once", () =>
    withServer(backend, {}, async ({ baseUrl, latchkey, clock }) => {
      const user = await mfaUser(latchkey, "regen");
      const { client, recoveryCodes } = await enrolTotp(baseUrl, clock, user);
      const fresh = await send(client, "POST", "/api/mfa/recovery-codes/");
      assert.equal(fresh.status, 200, fresh.text);
      const next = fresh.json.recoveryCodes as string[];
      assert.equal(next.length, 10);
      assert.ok(next.every((c) => !recoveryCodes.includes(c)));
      const pending = await pendingClient(baseUrl, user);
      assertError(await authenticate(pending.client, recoveryCodes[0] ?? ""), 400, "mfa_code_invalid");
      assert.equal((await authenticate(pending.client, next[0] ?? "")).status, 200);
      clock.advance(6 * MINUTE);
      assertError(await send(client, "POST", "/api/mfa/recovery-codes/"), 403, "reauthentication_required");
    }));

  it("holds the per-pending-login limit exactly: of 12 simultaneous wrong codes 5 are checked and 7 get 429, and the right code is refused too", () =>
    withServer(backend, {}, async ({ baseUrl, latchkey, clock }) => {
      const user = await mfaUser(latchkey, "limit");
      const { secret } = await enrolTotp(baseUrl, clock, user);
      const { client } = await pendingClient(baseUrl, user);
      const wrong = totpCode(secret, clock.now() + 10 * STEP_MS);
      const results = await Promise.all(Array.from({ length: 12 }, () => authenticate(client, wrong)));
      assert.equal(results.filter((r) => r.status === 400).length, 5, results.map((r) => r.status).join(","));
      const throttled = results.filter((r) => r.status === 429);
      assert.equal(throttled.length, 7);
      for (const r of throttled) assert.ok(Number(r.headers.get("retry-after")) >= 1);
      assertError(await authenticate(client, totpCode(secret, clock.now())), 429, "throttled");
      // A new password login starts a new pending login with its own attempts.
      assert.equal(
        (await authenticate((await pendingClient(baseUrl, user)).client, totpCode(secret, clock.now()))).status,
        200,
      );
    }));

  it("holds the per-user limit exactly across pending logins: of 15 simultaneous wrong codes on 3 logins, 10 are checked", () =>
    withServer(backend, {}, async ({ baseUrl, latchkey, clock }) => {
      const user = await mfaUser(latchkey, "userlimit");
      const { secret } = await enrolTotp(baseUrl, clock, user);
      const clients = await Promise.all(
        Array.from({ length: 3 }, async () => (await pendingClient(baseUrl, user)).client),
      );
      const wrong = totpCode(secret, clock.now() + 10 * STEP_MS);
      const results = await Promise.all(
        clients.flatMap((pending) => Array.from({ length: 5 }, () => authenticate(pending, wrong))),
      );
      assert.equal(results.filter((r) => r.status === 400).length, 10, results.map((r) => r.status).join(","));
      assert.equal(results.filter((r) => r.status === 429).length, 5);
      // After the window the user may try again.
      clock.advance(15 * MINUTE + 1_000);
      assert.equal(
        (await authenticate((await pendingClient(baseUrl, user)).client, totpCode(secret, clock.now()))).status,
        200,
      );
    }));

  it("lets a pending login expire after 5 minutes", () =>
    withServer(backend, {}, async ({ baseUrl, latchkey, clock }) => {
      const user = await mfaUser(latchkey, "expiry");
      const { secret } = await enrolTotp(baseUrl, clock, user);
      const { client } = await pendingClient(baseUrl, user);
      clock.advance(5 * MINUTE);
      assertError(await authenticate(client, totpCode(secret, clock.now())), 400, "mfa_login_invalid");
    }));

  it("finishes a token login with the mfaToken in the body, answered like /token/login/; the token is refused as a cookie and the cookie as a token", () =>
    withServer(backend, {}, async ({ baseUrl, latchkey, clock }) => {
      const user = await mfaUser(latchkey, "token");
      const { secret } = await enrolTotp(baseUrl, clock, user);
      const api = createTestClient(baseUrl);
      const first = await api.post("/api/token/login/", {
        bare: true,
        json: { username: user.username, password: user.password, label: "Phone" },
      });
      assertError(first, 401, "mfa_required");
      assert.deepEqual(first.json.methods, ["totp", "recovery_code"]);
      const mfaToken = String(first.json.mfaToken);
      assert.match(mfaToken, /^[A-Za-z0-9_-]{43}$/);
      assert.equal(first.setCookies.length, 0);
      const asCookie = createTestClient(baseUrl);
      asCookie.setCookie("latchkey_mfa", mfaToken);
      assertError(await authenticate(asCookie, totpCode(secret, clock.now())), 400, "mfa_login_invalid");
      const done = await api.post("/api/mfa/authenticate/", {
        bare: true,
        json: { mfaToken, code: totpCode(secret, clock.now()) },
      });
      assert.equal(done.status, 200, done.text);
      assert.match(String(done.json.token), /./);
      assert.equal(typeof done.json.expiry, "string");
      const who = await createTestClient(baseUrl).get("/api/whoami/", {
        headers: { authorization: `Bearer ${String(done.json.token)}` },
      });
      assert.equal(who.json.username, user.username);
      const sessions = await createTestClient(baseUrl).get("/api/sessions/", {
        headers: { authorization: `Bearer ${String(done.json.token)}` },
      });
      assert.equal(
        (sessions.json.sessions as { label: string | null }[]).find((s) => s.label === "Phone")?.label,
        "Phone",
      );

      const { client } = await pendingClient(baseUrl, user);
      clock.advance(STEP_MS);
      const cookieToken = client.cookie("latchkey_mfa") ?? "";
      assertError(
        await api.post("/api/mfa/authenticate/", {
          bare: true,
          json: { mfaToken: cookieToken, code: totpCode(secret, clock.now()) },
        }),
        400,
        "mfa_login_invalid",
      );
    }));

  it("removes TOTP only from a fresh session; then login is password-only again and the recovery codes are gone", () =>
    withServer(backend, {}, async ({ baseUrl, latchkey, clock }) => {
      const user = await mfaUser(latchkey, "remove");
      const { client } = await enrolTotp(baseUrl, clock, user);
      clock.advance(6 * MINUTE);
      assertError(await send(client, "DELETE", "/api/mfa/totp/"), 403, "reauthentication_required");
      assert.equal((await send(client, "POST", "/api/reauthenticate/", { password: user.password })).status, 200);
      assert.equal((await send(client, "DELETE", "/api/mfa/totp/")).status, 200);
      assertError(await send(client, "DELETE", "/api/mfa/totp/"), 404, "mfa_totp_not_active");
      assert.deepEqual((await client.get("/api/mfa/")).json, {
        totp: false,
        recoveryCodes: { remaining: 0 },
        passkeys: [],
      });
      assert.equal((await createTestClient(baseUrl).login(user.username, user.password)).status, 200);
    }));

  it("refuses to finish the login of a user deactivated after the password step", () =>
    withServer(backend, {}, async ({ baseUrl, latchkey, clock }) => {
      const user = await mfaUser(latchkey, "inactive");
      const { secret } = await enrolTotp(baseUrl, clock, user);
      const { client } = await pendingClient(baseUrl, user);
      await latchkey.accounts.setActive(user.id, false);
      assertError(await authenticate(client, totpCode(secret, clock.now())), 400, "mfa_login_invalid");
    }));
}
