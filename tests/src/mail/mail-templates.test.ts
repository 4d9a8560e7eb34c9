import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { createTestClient, startSmtpSink } from "@latchkey/testkit";
import { runLatchkey, startServe, tempDir } from "../server/latchkey-process.js";

const PASSWORD = "a long and unusual passphrase 42";

async function post(client: ReturnType<typeof createTestClient>, path: string, json: unknown) {
  const token = client.csrfToken ?? (await client.fetchCsrf());
  return client.post(path, { json, headers: { "x-csrftoken": token } });
}

/** A templates folder under `dir` holding `files`. */
function templatesFolder(dir: string, files: Readonly<Record<string, string>>): string {
  const folder = join(dir, "mail-templates");
  mkdirSync(folder);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(folder, name), content);
  return folder;
}

describe("email templates from files (mail.templatesDir), over real SMTP", () => {
  it("sends the operator's subject, text and HTML, with the link still working and values escaped in the HTML", async () => {
    const dir = tempDir("latchkey-mail-templates-");
    templatesFolder(dir.path, {
      "verifyEmail.subject.txt": "Welcome to {product}, {username}!\n",
      "verifyEmail.txt": "Dear {username},\n\nconfirm {email} here: {link}\n(valid {hours} hours)\n",
      // {email} inside a single-quoted attribute: the HTML-injection case the escaping must stop.
      "verifyEmail.html":
        "<p>Dear <b>{username}</b>,</p><p><a href='mailto:{email}'>{email}</a></p><p><a href=\"{link}\">Confirm</a></p>",
    });
    const sink = await startSmtpSink();
    const server = await startServe(["--port", "0"], {
      cwd: dir.path,
      env: {
        LATCHKEY_SIGNUP_ENABLED: "true",
        LATCHKEY_MAIL_URL: sink.url,
        LATCHKEY_MAIL_PRODUCT_NAME: "Example",
        LATCHKEY_MAIL_TEMPLATES_DIR: "mail-templates",
      },
    });
    try {
      const client = createTestClient(server.url.replace(/\/$/, ""));
      // An address isPlausibleEmail() accepts, holding ' and &: unescaped, it would close the
      // attribute and add an onclick handler to a mail sent from the operator's domain.
      const email = "o'x'onclick='steal'&co@example.com";
      const res = await post(client, "/api/signup/", { username: "templated", email, password: PASSWORD });
      assert.equal(res.status, 202, res.text);
      const mail = await sink.waitForMail(email);
      assert.equal(mail.subject, "Welcome to Example, templated!");
      assert.match(
        mail.text,
        /^Dear templated,\n\nconfirm o'x'onclick='steal'&co@example\.com here: http:\/\/\S+\/verify-email\?key=\S+\n\(valid 72 hours\)/,
      );
      assert.ok(
        mail.html.includes("<a href='mailto:o&#39;x&#39;onclick=&#39;steal&#39;&amp;co@example.com'>"),
        mail.html,
      );
      assert.ok(!mail.html.includes("onclick='"), "no attribute was injected");
      assert.ok(mail.key, "the link carries its key");
      assert.equal((await post(createTestClient(client.baseUrl), "/api/email/verify/", { key: mail.key })).status, 200);
      assert.equal((await createTestClient(client.baseUrl).login("templated", PASSWORD)).status, 200);
    } finally {
      await server.stop();
      await sink.close();
      dir.cleanup();
    }
  });

  it("refuses to start on an unknown placeholder, naming the file, the placeholder and where the setting came from", async () => {
    const dir = tempDir("latchkey-mail-templates-");
    try {
      templatesFolder(dir.path, { "resetPassword.txt": "Hi {firstName}, reset here: {link}\n" });
      const result = await runLatchkey(["serve", "--port", "0"], {
        cwd: dir.path,
        env: { LATCHKEY_MAIL_URL: "console:", LATCHKEY_MAIL_TEMPLATES_DIR: "mail-templates" },
      });
      assert.notEqual(result.code, 0);
      assert.match(
        result.stderr,
        /LATCHKEY_MAIL_TEMPLATES_DIR="mail-templates" \(environment\): mail\.templatesDir: .*resetPassword\.txt: unknown placeholder \{firstName\}/,
      );
      assert.doesNotMatch(result.stderr, /\n\s+at /, "no stack trace");
    } finally {
      dir.cleanup();
    }
  });

  it("refuses to start when the folder cannot be read", async () => {
    const dir = tempDir("latchkey-mail-templates-");
    try {
      const result = await runLatchkey(["serve", "--port", "0"], {
        cwd: dir.path,
        env: { LATCHKEY_MAIL_URL: "console:", LATCHKEY_MAIL_TEMPLATES_DIR: "missing-folder" },
      });
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, /mail\.templatesDir: cannot read the folder .*missing-folder \(ENOENT\)/);
    } finally {
      dir.cleanup();
    }
  });
});
