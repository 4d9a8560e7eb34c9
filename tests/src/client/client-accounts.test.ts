import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createClient } from "@latchkey/client";
import { startSmtpSink } from "@latchkey/testkit";
import { startNodeApp } from "../harness/apps/node-app.js";
import { startMailApp } from "../contract/account-support.js";
import { createFakeBrowser } from "./fake-browser.js";

const PASSWORD = "a long and unusual passphrase 42";

describe("@latchkey/client account calls, against a real server and real SMTP", () => {
  it("signs up, verifies from the mailed key, resets a password, lists and revokes sessions, with results as values", async () => {
    const sink = await startSmtpSink();
    const app = await startMailApp(startNodeApp, sink);
    try {
      const browser = createFakeBrowser({ pageOrigin: app.baseUrl });
      const client = createClient({
        baseUrl: app.baseUrl,
        fetch: browser.fetch,
        cookies: browser.cookies,
        broadcast: false,
      });
      await client.refresh();
      const signup = await client.signup({
        username: "clientuser",
        email: "clientuser@example.com",
        password: PASSWORD,
      });
      assert.deepEqual(signup, { ok: true, data: { pending: true } });
      const mail = await sink.waitForMail("clientuser@example.com");
      assert.deepEqual(await client.verifyEmail(mail.key ?? ""), {
        ok: true,
        data: { email: "clientuser@example.com" },
      });
      const again = await client.verifyEmail(mail.key ?? "");
      assert.equal(!again.ok && again.error.code, "key_invalid");

      assert.ok((await client.login("clientuser", PASSWORD)).ok);
      const list = await client.listSessions();
      assert.ok(list.ok);
      assert.equal(list.data.sessions.length, 1);
      assert.deepEqual(await client.revokeOtherSessions(), { ok: true, data: { revoked: 0 } });
      const fresh = await client.reauthenticate(PASSWORD);
      assert.ok(fresh.ok);

      assert.ok((await client.requestPasswordReset("clientuser@example.com")).ok);
      const reset = await sink.waitForMail("clientuser@example.com", {
        predicate: (m) => /reset-password/.test(m.text),
      });
      assert.ok((await client.resetPassword(reset.key ?? "", "a different long passphrase 8")).ok);
      const mine = await client.whoami();
      assert.equal(!mine.ok && mine.error.status, 401);
      assert.equal(client.getState().status, "anonymous");

      assert.ok((await client.login("clientuser", "a different long passphrase 8")).ok);
      const current = await client.listSessions();
      assert.ok(current.ok);
      const id = current.data.sessions.find((s) => s.current)?.id ?? "";
      assert.deepEqual(await client.revokeSession(id), { ok: true, data: { detail: "Successfully logged out." } });
      assert.equal(client.getState().status, "anonymous");
      client.close();
    } finally {
      await app.close();
      await sink.close();
    }
  });
});
