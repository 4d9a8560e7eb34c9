import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { ConfigError } from "../errors.js";
import { resolveConfig } from "../config/resolve-config.js";
import { unusedStores } from "../test-fixtures.test.helper.js";
import { MESSAGE_CATALOGUE } from "./message-catalogue.js";
import { renderMessage } from "./render-message.js";
import { loadTemplateFiles } from "./template-files.js";

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A fresh folder holding `files`. */
function folder(files: Readonly<Record<string, string>>): string {
  const dir = mkdtempSync(join(tmpdir(), "latchkey-templates-"));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

function problemsOf(templatesDir: string): readonly string[] {
  try {
    resolveConfig({ stores: unusedStores(), mail: { templatesDir } });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  assert.fail("the configuration was accepted");
}

describe("mail.templatesDir", () => {
  it("replaces the parts of a message it has files for and keeps the catalogue's other parts", () => {
    const dir = folder({
      "resetPassword.subject.txt": "  Your {product} reset link\n",
      "resetPassword.txt": "Hi {username}, go to {link} within {hours} hours.\n",
    });
    const { config } = resolveConfig({ stores: unusedStores(), mail: { templatesDir: dir } });
    assert.equal(config.mail.templates.resetPassword.subject, "Your {product} reset link");
    assert.equal(config.mail.templates.resetPassword.text, "Hi {username}, go to {link} within {hours} hours.\n");
    assert.equal(config.mail.templates.resetPassword.html, MESSAGE_CATALOGUE.resetPassword.html);
    assert.deepEqual(config.mail.templates.verifyEmail, MESSAGE_CATALOGUE.verifyEmail);
    assert.equal(config.mail.templatesDir, dir);
  });

  it("lets inline mail.templates win over the files", () => {
    const dir = folder({ "emailChangeNotice.subject.txt": "From the file" });
    const inline = { subject: "Inline {product}", text: "Inline text for {username}", html: "<p>Inline</p>" };
    const { config } = resolveConfig({
      stores: unusedStores(),
      mail: { templatesDir: dir, templates: { emailChangeNotice: inline } },
    });
    assert.deepEqual(config.mail.templates.emailChangeNotice, inline);
  });

  it("refuses to start on a placeholder the message is not rendered with, naming the file and the known ones", () => {
    const problems = problemsOf(folder({ "verifyEmail.txt": "Hello {usename}, open {link}" }));
    assert.equal(problems.length, 1);
    assert.match(
      problems[0] ?? "",
      /verifyEmail\.txt: unknown placeholder \{usename\} \(verifyEmail knows \{product\}, \{origin\}, \{username\}, \{email\}, \{link\}, \{hours\}\)/,
    );
  });

  it("refuses {link} in a notice, which carries no link", () => {
    assert.match(
      problemsOf(folder({ "alreadyRegistered.html": "<p>{link}</p>" })).join("\n"),
      /alreadyRegistered\.html: unknown placeholder \{link\}/,
    );
  });

  it("refuses a link message whose text or HTML lacks {link}, which the user could not act on", () => {
    assert.match(
      problemsOf(folder({ "resetPassword.html": "<p>Reset your password.</p>" })).join("\n"),
      /resetPassword\.html: must contain \{link\}/,
    );
  });

  it("refuses a file that names no message part, so a misspelt file cannot silently leave the default text", () => {
    const problems = problemsOf(folder({ "resetpassword.txt": "{link}", ".DS_Store": "" }));
    assert.equal(problems.length, 1, problems.join("\n"));
    assert.match(
      problems[0] ?? "",
      /resetpassword\.txt is not a template file \(expected <message>\.subject\.txt, <message>\.txt or <message>\.html, with <message> one of verifyEmail, /,
    );
  });

  it("refuses a folder that does not exist, and an unreadable file", () => {
    assert.match(
      problemsOf(join(tmpdir(), "latchkey-no-such-templates-folder")).join("\n"),
      /mail\.templatesDir: cannot read the folder .*latchkey-no-such-templates-folder \(ENOENT\)/,
    );
    const dir = folder({});
    mkdirSync(join(dir, "verifyEmail.txt"));
    assert.match(problemsOf(dir).join("\n"), /mail\.templatesDir: cannot read .*verifyEmail\.txt \(EISDIR\)/);
    if (process.getuid?.() !== 0) {
      const locked = folder({ "verifyEmail.txt": "{link}" });
      chmodSync(join(locked, "verifyEmail.txt"), 0o000);
      assert.match(problemsOf(locked).join("\n"), /cannot read .*verifyEmail\.txt \(EACCES\)/);
    }
  });

  it("refuses an inline template with an unknown placeholder too", () => {
    assert.throws(
      () =>
        resolveConfig({
          stores: unusedStores(),
          mail: { templates: { verifyEmail: { subject: "{product}", text: "{link} {nonce}", html: "{link}" } } },
        }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.problems.some(
          (p) =>
            p ===
            "mail.templates.verifyEmail.text: unknown placeholder {nonce} (verifyEmail knows {product}, {origin}, {username}, {email}, {link}, {hours})",
        ),
    );
  });

  it("reads every part of every message from a complete folder", () => {
    const files: Record<string, string> = {};
    for (const name of Object.keys(MESSAGE_CATALOGUE) as (keyof typeof MESSAGE_CATALOGUE)[]) {
      files[`${name}.subject.txt`] = MESSAGE_CATALOGUE[name].subject;
      files[`${name}.txt`] = MESSAGE_CATALOGUE[name].text;
      files[`${name}.html`] = MESSAGE_CATALOGUE[name].html;
    }
    const loaded = loadTemplateFiles(folder(files));
    assert.deepEqual(loaded.problems, []);
    assert.deepEqual(loaded.templates, MESSAGE_CATALOGUE);
  });
});

describe("renderMessage() with an operator's HTML template", () => {
  // HTML injection into a mail from the operator's own domain: an address may hold ' and &
  // (`isPlausibleEmail` refuses only <>"(),;:\), and a template may put {email} in a
  // single-quoted attribute. Unescaped, `x'onclick='…@evil.example` would add an attribute, and
  // any value could add markup (a phishing link) to a message the victim trusts.
  it("escapes every value, so an address cannot break out of a single-quoted attribute or add markup", () => {
    const template = {
      subject: "Hi {username}",
      text: "Write to {email}",
      html: "<a href='mailto:{email}'>{email}</a> <b>{username}</b>",
    };
    const rendered = renderMessage(template, { email: "x'onclick='steal'&amp@evil.example", username: "<i>boss</i>" });
    assert.equal(
      rendered.html.includes("<a href='mailto:x&#39;onclick=&#39;steal&#39;&amp;amp@evil.example'>"),
      true,
      rendered.html,
    );
    assert.ok(!rendered.html.includes("onclick='"), rendered.html);
    assert.ok(rendered.html.includes("<b>&lt;i&gt;boss&lt;/i&gt;</b>"), rendered.html);
    assert.equal(
      rendered.text,
      "Write to x'onclick='steal'&amp@evil.example",
      "plain text is not escaped: it is never parsed as HTML",
    );
  });
});
