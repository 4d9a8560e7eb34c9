import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createTestClient, startSmtpSink } from "@latchkey/testkit";
import { runLatchkey, startServe, tempDir } from "./latchkey-process.js";

const PASSWORD = "a long and unusual passphrase 42";

async function post(client: ReturnType<typeof createTestClient>, path: string, json: unknown) {
  const token = client.csrfToken ?? (await client.fetchCsrf());
  return client.post(path, { json, headers: { "x-csrftoken": token } });
}

describe("latchkey serve with sign-up and SMTP", () => {
  it("signs a user up over real SMTP from settings in the environment: mail, link, verify, login", async () => {
    const dir = tempDir("latchkey-serve-accounts-");
    const sink = await startSmtpSink();
    const server = await startServe(["--port", "0"], {
      cwd: dir.path,
      env: {
        LATCHKEY_SIGNUP_ENABLED: "true",
        LATCHKEY_MAIL_URL: sink.url,
        LATCHKEY_MAIL_FROM: "Example <no-reply@example.com>",
        LATCHKEY_MAIL_PRODUCT_NAME: "Example",
      },
    });
    try {
      const client = createTestClient(server.url.replace(/\/$/, ""));
      const res = await post(client, "/api/signup/", {
        username: "newcomer",
        email: "newcomer@example.com",
        password: PASSWORD,
      });
      assert.equal(res.status, 202, res.text);
      const mail = await sink.waitForMail("newcomer@example.com");
      assert.equal(mail.from, "no-reply@example.com");
      assert.match(mail.subject, /Example/);
      assert.ok(mail.key);
      assert.equal((await post(createTestClient(client.baseUrl), "/api/email/verify/", { key: mail.key })).status, 200);
      assert.equal((await createTestClient(client.baseUrl).login("newcomer", PASSWORD)).status, 200);
    } finally {
      await server.stop();
      await sink.close();
      dir.cleanup();
    }
  });

  it("refuses to start in production when a route that sends mail is on and mail.url is not SMTP", async () => {
    const dir = tempDir("latchkey-serve-accounts-");
    try {
      const result = await runLatchkey(["serve", "--port", "0"], {
        cwd: dir.path,
        env: {
          NODE_ENV: "production",
          LATCHKEY_PUBLIC_ORIGIN: "https://auth.example.com",
          LATCHKEY_MAIL_URL: "console:",
        },
      });
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, /production needs an SMTP transport/);
    } finally {
      dir.cleanup();
    }
  });
});
