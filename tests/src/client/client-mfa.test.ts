import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createClient } from "@latchkey/client";
import { startNodeApp } from "../harness/apps/node-app.js";
import { MFA_KEY, STEP_MS, totpCode } from "../contract/mfa-support.js";
import { createFakeBrowser } from "./fake-browser.js";

const PASSWORD = "a long and unusual passphrase 42";

describe("@latchkey/client second-factor calls, against a real server", () => {
  for (const mode of ["cookie", "token"] as const) {
    it(`enrols TOTP, surfaces mfa_required with its methods at login, and finishes it with authenticateMfa (${mode} mode)`, async () => {
      const app = await startNodeApp({ throttle: { enabled: false }, mfa: { encryptionKeys: [MFA_KEY] } });
      try {
        const created = await app.latchkey.accounts.createUser({ username: `mfa${mode}`, password: PASSWORD });
        assert.ok(created.ok);
        const browser = createFakeBrowser({ pageOrigin: app.baseUrl });
        const client = createClient({
          baseUrl: app.baseUrl,
          fetch: browser.fetch,
          cookies: browser.cookies,
          broadcast: false,
          mode,
        });
        await client.refresh();
        assert.ok((await client.login(`mfa${mode}`, PASSWORD)).ok);
        const setup = await client.setupTotp();
        assert.ok(setup.ok);
        assert.match(setup.data.qrSvg, /^<svg/);
        const confirmed = await client.confirmTotp(totpCode(setup.data.secret, app.clock.now()));
        assert.ok(confirmed.ok);
        assert.equal(confirmed.data.recoveryCodes?.length, 10);
        const status = await client.mfaStatus();
        assert.deepEqual(status, { ok: true, data: { totp: true, recoveryCodes: { remaining: 10 }, passkeys: [] } });
        assert.ok((await client.logout()).ok);

        const login = await client.login(`mfa${mode}`, PASSWORD);
        assert.equal(login.ok, false);
        assert.equal(!login.ok && login.error.code, "mfa_required");
        assert.deepEqual(!login.ok && login.error.methods, ["totp", "recovery_code"]);
        assert.equal(client.getState().status, "anonymous");
        const wrong = await client.authenticateMfa(
          confirmed.data.recoveryCodes?.[0]?.replace(/./, (c) => (c === "a" ? "b" : "a")) ?? "",
        );
        assert.equal(!wrong.ok && wrong.error.code, "mfa_code_invalid");
        app.clock.advance(STEP_MS);
        const done = await client.authenticateMfa(totpCode(setup.data.secret, app.clock.now()));
        assert.ok(done.ok, JSON.stringify(done));
        assert.equal(client.getState().status, "authenticated");
        assert.equal((await client.whoami()).ok, true);
        client.close();
      } finally {
        await app.close();
      }
    });
  }
});
