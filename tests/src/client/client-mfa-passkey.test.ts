import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createClient } from "@latchkey/client";
import { createTestClient } from "@latchkey/testkit";
import { send } from "../contract/account-support.js";
import { startNodeApp } from "../harness/apps/node-app.js";
import { ORIGIN, RP_ID } from "../passkeys/passkey-app.js";
import { createSoftAuthenticator, type SoftAuthenticator } from "../passkeys/soft-authenticator.js";
import { createFakeBrowser } from "./fake-browser.js";

const PASSWORD = "a long and unusual passphrase 42";

const bytes = (b64url: string): ArrayBuffer => {
  const buffer = Buffer.from(b64url, "base64url");
  return buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength);
};

/**
 * Node has no WebAuthn: this stands in for the browser's `navigator.credentials.get()` and
 * `PublicKeyCredential`, answering with the software authenticator, so the client's own code
 * (options → binary options → dialog → JSON → server) runs end to end against a real server.
 * The Chromium test does the same with the browser's virtual authenticator.
 */
class SoftPublicKeyCredential {
  readonly type = "public-key";
  readonly authenticatorAttachment = "platform";
  readonly id: string;
  readonly rawId: ArrayBuffer;
  readonly response: {
    clientDataJSON: ArrayBuffer;
    authenticatorData: ArrayBuffer;
    signature: ArrayBuffer;
    userHandle: ArrayBuffer | null;
  };
  constructor(json: ReturnType<SoftAuthenticator["assert"]>) {
    this.id = json.id;
    this.rawId = bytes(json.rawId);
    this.response = {
      clientDataJSON: bytes(json.response.clientDataJSON),
      authenticatorData: bytes(json.response.authenticatorData),
      signature: bytes(json.response.signature),
      userHandle: bytes(json.response.userHandle),
    };
  }
  getClientExtensionResults(): Record<string, unknown> {
    return {};
  }
}

/** The binary request options the client passes to `navigator.credentials.get()` (the fields read here). */
interface RequestOptions {
  challenge: Uint8Array;
  rpId?: string;
  allowCredentials?: { id: Uint8Array }[];
}

describe("@latchkey/client authenticateMfaWithPasskey, against a real server", () => {
  let authenticator: SoftAuthenticator;
  let offered: string[][] = [];
  before(() => {
    authenticator = createSoftAuthenticator({ origin: ORIGIN, rpId: RP_ID });
    const credentials = {
      async get(options: { publicKey: RequestOptions }): Promise<SoftPublicKeyCredential> {
        const { publicKey } = options;
        offered.push((publicKey.allowCredentials ?? []).map((d) => Buffer.from(d.id).toString("base64url")));
        const challenge = Buffer.from(publicKey.challenge).toString("base64url");
        return new SoftPublicKeyCredential(
          authenticator.assert({ challenge, ...(publicKey.rpId === undefined ? {} : { rpId: publicKey.rpId }) }),
        );
      },
    };
    Object.defineProperty(globalThis, "navigator", { value: { credentials }, configurable: true, writable: true });
    Object.defineProperty(globalThis, "PublicKeyCredential", {
      value: SoftPublicKeyCredential,
      configurable: true,
      writable: true,
    });
  });
  after(() => {
    Reflect.deleteProperty(globalThis, "navigator");
    Reflect.deleteProperty(globalThis, "PublicKeyCredential");
  });

  for (const mode of ["cookie", "token"] as const) {
    it(`finishes a password login with the user's passkey as the second factor (${mode} mode)`, async () => {
      const app = await startNodeApp({ throttle: { enabled: false }, passkeys: { origins: [ORIGIN] } });
      try {
        const username = `mfapk${mode}`;
        assert.ok(
          (await app.latchkey.accounts.createUser({ username, password: PASSWORD, email: `${username}@example.com` }))
            .ok,
        );
        // Register the passkey over HTTP, as the user did earlier in a logged-in browser.
        const setup = createTestClient(app.baseUrl);
        assert.equal((await setup.login(username, PASSWORD)).status, 200);
        const creation = await send(setup, "POST", "/api/mfa/webauthn/register/options/");
        assert.equal(creation.status, 200, creation.text);
        const credential = authenticator.register(creation.json as never);
        const registered = await send(setup, "POST", "/api/mfa/webauthn/register/", { name: "Laptop", credential });
        assert.equal(registered.status, 201, registered.text);

        const browser = createFakeBrowser({ pageOrigin: app.baseUrl });
        const client = createClient({
          baseUrl: app.baseUrl,
          fetch: browser.fetch,
          cookies: browser.cookies,
          broadcast: false,
          mode,
        });
        await client.refresh();
        const login = await client.login(username, PASSWORD);
        assert.equal(!login.ok && login.error.code, "mfa_required");
        assert.deepEqual(!login.ok && login.error.methods, ["webauthn", "recovery_code"]);
        assert.equal(client.getState().status, "anonymous");
        offered = [];
        const done = await client.authenticateMfaWithPasskey();
        assert.ok(done.ok, JSON.stringify(done));
        assert.equal(done.data.user.username, username);
        assert.deepEqual(offered, [[credential.id]], "the dialog offered exactly this user's passkey");
        assert.equal(client.getState().status, "authenticated");
        assert.equal((await client.whoami()).ok, true);
        const again = await client.authenticateMfaWithPasskey();
        // The pending login is used up: cookie mode finds no live one; token mode no longer holds its mfaToken.
        assert.equal(again.ok, false);
        if (mode === "cookie") assert.equal(!again.ok && again.error.code, "mfa_login_invalid");
        client.close();
      } finally {
        await app.close();
      }
    });
  }
});
