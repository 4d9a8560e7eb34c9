import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createTestClient } from "@latchkey/testkit";
import { send } from "../contract/account-support.js";
import { ADAPTERS } from "../harness/adapters.js";
import { appRunner } from "../harness/app-under-test.js";
import { ORIGIN, RP_ID } from "./passkey-app.js";
import { createSoftAuthenticator } from "./soft-authenticator.js";

const PASSWORD = "a long and unusual passphrase 42";

// Every adapter serves the passkey routes, and every answer agrees with the OpenAPI document
// the app serves (the harness checks each response against it).
for (const [name, start] of Object.entries(ADAPTERS)) {
  describe(`passkeys through the ${name} adapter`, () => {
    const withApp = appRunner(start);

    it("registers, lists, renames, logs in without a password and removes a passkey, each answer as documented", () =>
      withApp({ passkeys: { origins: [ORIGIN] } }, async (app) => {
        await app.latchkey.accounts.createUser({ username: "ada", password: PASSWORD, email: "ada@example.com" });
        const client = createTestClient(app.baseUrl);
        assert.equal((await client.login("ada", PASSWORD)).status, 200);
        const authenticator = createSoftAuthenticator({ origin: ORIGIN, rpId: RP_ID });
        const options = await send(client, "POST", "/api/mfa/webauthn/register/options/");
        assert.equal(options.status, 200, options.text);
        const registered = await send(client, "POST", "/api/mfa/webauthn/register/", {
          name: "Key",
          credential: authenticator.register(options.json as never),
        });
        assert.equal(registered.status, 201, registered.text);
        const id = (registered.json.passkey as { id: string }).id;
        assert.equal((await client.get("/api/mfa/webauthn/")).status, 200);
        assert.equal((await send(client, "PATCH", `/api/mfa/webauthn/${id}/`, { name: "Renamed" })).status, 200);

        const browser = createTestClient(app.baseUrl);
        const loginOptions = await send(browser, "POST", "/api/login/webauthn/options/");
        assert.equal(loginOptions.status, 200, loginOptions.text);
        const login = await send(browser, "POST", "/api/login/webauthn/", {
          credential: authenticator.assert(loginOptions.json as never),
        });
        assert.equal(login.status, 200, login.text);
        assert.equal((await browser.get("/api/whoami/")).json.username, "ada");
        const replay = await send(createTestClient(app.baseUrl), "POST", "/api/login/webauthn/", {
          credential: authenticator.assert(loginOptions.json as never),
        });
        assert.equal(replay.status, 400);
        assert.equal(replay.json.code, "webauthn_challenge_invalid");

        assert.equal((await send(browser, "DELETE", `/api/mfa/webauthn/${id}/`)).status, 200);
        assert.equal((await send(browser, "DELETE", `/api/mfa/webauthn/${id}/`)).status, 404);
      }));

    it("finishes a password login with a passkey as the second factor, each answer as documented", () =>
      withApp({ passkeys: { origins: [ORIGIN] } }, async (app) => {
        await app.latchkey.accounts.createUser({ username: "bea", password: PASSWORD, email: "bea@example.com" });
        const client = createTestClient(app.baseUrl);
        assert.equal((await client.login("bea", PASSWORD)).status, 200);
        const authenticator = createSoftAuthenticator({ origin: ORIGIN, rpId: RP_ID });
        const options = await send(client, "POST", "/api/mfa/webauthn/register/options/");
        const registered = await send(client, "POST", "/api/mfa/webauthn/register/", {
          name: "Key",
          credential: authenticator.register(options.json as never),
        });
        assert.equal(registered.status, 201, registered.text);
        assert.equal((registered.json.recoveryCodes as string[]).length, 10);

        const browser = createTestClient(app.baseUrl);
        const password = await browser.login("bea", PASSWORD);
        assert.equal(password.status, 401, password.text);
        assert.deepEqual(password.json.methods, ["webauthn", "recovery_code"]);
        const factorOptions = await send(browser, "POST", "/api/mfa/webauthn/authenticate/options/");
        assert.equal(factorOptions.status, 200, factorOptions.text);
        const done = await send(browser, "POST", "/api/mfa/authenticate/", {
          credential: authenticator.assert(factorOptions.json as never),
        });
        assert.equal(done.status, 200, done.text);
        assert.equal((await browser.get("/api/whoami/")).json.username, "bea");
      }));
  });
}
