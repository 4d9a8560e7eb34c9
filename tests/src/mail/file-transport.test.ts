import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { silentLogger } from "@latchkey/core";
import { createServerMailTransport } from "@latchkey/server";
import { tempDir } from "../server/latchkey-process.js";

describe('mail.url "file:<directory>"', () => {
  it("writes each message as an .eml file a mail client opens, with its headers and both parts", async () => {
    const dir = tempDir("latchkey-file-mail-");
    const outbox = join(dir.path, "mail");
    try {
      const transport = createServerMailTransport(
        { mailUrl: `file:${outbox}`, dataDir: dir.path, sources: {} },
        silentLogger,
      );
      assert.equal(transport?.kind, "file");
      await transport?.send({
        from: "Example <no-reply@example.com>",
        to: "newcomer@example.com",
        subject: "Verify your email",
        text: "Open http://localhost/verify?key=abc to verify.",
        html: "<p>Open the link to verify.</p>",
      });
      await transport?.close?.();
      const files = readdirSync(outbox);
      assert.equal(files.length, 1);
      assert.match(files[0] ?? "", /\.eml$/);
      const eml = readFileSync(join(outbox, files[0] ?? ""), "utf8");
      assert.match(eml, /^To: newcomer@example\.com$/m);
      assert.match(eml, /^Subject: Verify your email$/m);
      assert.match(eml, /verify\?key=abc/);
      assert.match(eml, /Content-Type: text\/html/);
    } finally {
      dir.cleanup();
    }
  });
});
