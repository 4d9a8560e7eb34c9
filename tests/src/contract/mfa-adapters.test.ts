import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createTestClient, startSmtpSink, type SmtpSink } from "@latchkey/testkit";
import { ADAPTERS } from "../harness/adapters.js";
import type { AppUnderTest } from "../harness/app-under-test.js";
import { send, startMailApp } from "./account-support.js";
import { authenticate, enrolTotp, MFA_KEY, mfaUser, pendingClient, STEP_MS, totpCode } from "./mfa-support.js";
import { assertError } from "./support.js";

for (const [adapter, start] of Object.entries(ADAPTERS)) {
  // Every answer of these apps is checked against the OpenAPI document they serve.
  describe(`second factors over real SMTP (${adapter} adapter)`, () => {
    let sink: SmtpSink;
    let app: AppUnderTest;
    before(async () => {
      sink = await startSmtpSink();
      app = await startMailApp(start, sink, {
        signup: { enabled: false },
        throttle: { enabled: false },
        mfa: { encryptionKeys: [MFA_KEY] },
      });
    });
    after(async () => {
      await app.close();
      await sink.close();
    });

    it("enrols TOTP with a notice mail, logs in with a code after 401 mfa_required, and removes it with another notice", async () => {
      const user = await mfaUser(app.latchkey, "adapter");
      const email = `${user.username}@example.com`;
      const { client, secret } = await enrolTotp(app.baseUrl, app.clock, user);
      const enabled = await sink.waitForMail(email, {
        predicate: (m) => /authenticator app now protects/i.test(m.subject),
      });
      assert.match(enabled.text, new RegExp(user.username));

      const { client: browser, res } = await pendingClient(app.baseUrl, user);
      assert.deepEqual(res.json.methods, ["totp", "recovery_code"]);
      assertError(
        await authenticate(browser, "000000" === totpCode(secret, app.clock.now()) ? "111111" : "000000"),
        400,
        "mfa_code_invalid",
      );
      const done = await authenticate(browser, totpCode(secret, app.clock.now()));
      assert.equal(done.status, 200, done.text);
      assert.equal((await browser.get("/api/whoami/")).json.username, user.username);

      assert.equal((await send(client, "DELETE", "/api/mfa/totp/")).status, 200);
      await sink.waitForMail(email, { predicate: (m) => /authenticator app was removed/i.test(m.subject) });
      app.clock.advance(STEP_MS);
      assert.equal((await createTestClient(app.baseUrl).login(user.username, user.password)).status, 200);
    });

    it("refuses a cross-site completion of a pending cookie login (login CSRF)", async () => {
      const user = await mfaUser(app.latchkey, "csrf");
      const { secret } = await enrolTotp(app.baseUrl, app.clock, user);
      const { client } = await pendingClient(app.baseUrl, user);
      const hostile = await client.request("POST", "/api/mfa/authenticate/", {
        json: { code: totpCode(secret, app.clock.now()) },
        headers: {
          origin: "https://evil.example",
          "sec-fetch-site": "cross-site",
          "x-csrftoken": client.csrfToken ?? "",
        },
      });
      assert.equal(hostile.status, 403, hostile.text);
      assert.equal(
        (await authenticate(client, totpCode(secret, app.clock.now()))).status,
        200,
        "the refused attempt used nothing up",
      );
    });
  });
}
