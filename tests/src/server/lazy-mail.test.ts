import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { after, before, describe, it } from "node:test";
import { createTestClient, startSmtpSink, type SmtpSink } from "@latchkey/testkit";
import { runLatchkey, startServe, tempDir } from "./latchkey-process.js";

const PASSWORD = "a long and unusual passphrase 42";

/** Module URLs of nodemailer. */
const NODEMAILER_URL = /\/node_modules\/nodemailer\//;

// A resolve hook that writes every module URL the process loads to stderr, one per line.
const HOOKS = `export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  process.stderr.write("LOADED " + resolved.url + "\\n");
  return resolved;
}
`;

function loadedModules(stderr: string): string[] {
  return stderr.split("\n").filter((line) => line.startsWith("LOADED "));
}

describe("nodemailer in the ready server and the CLI", () => {
  let dir: { path: string; cleanup(): void };
  let sink: SmtpSink;
  // The hook goes in through NODE_OPTIONS; MALLOC_ARENA_MAX set by hand makes `latchkey serve` run the server in its
  // own process (no supervisor), so the modules listed are the server's.
  let hooked: Record<string, string>;
  before(async () => {
    dir = tempDir("latchkey-lazy-mail-");
    writeFileSync(join(dir.path, "hooks.mjs"), HOOKS);
    writeFileSync(
      join(dir.path, "register.mjs"),
      `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(join(dir.path, "hooks.mjs")).href)});\n`,
    );
    hooked = { NODE_OPTIONS: `--import ${pathToFileURL(join(dir.path, "register.mjs")).href}`, MALLOC_ARENA_MAX: "1" };
    sink = await startSmtpSink();
    const migrated = await runLatchkey(["migrate"], { cwd: dir.path });
    assert.equal(migrated.code, 0, migrated.stderr);
  });
  after(async () => {
    await sink?.close();
    dir?.cleanup();
  });

  it("a server without mail.url serves without loading nodemailer (it would cost every process about 2 MiB of heap)", async () => {
    const server = await startServe(["--port", "0"], { cwd: dir.path, env: hooked });
    try {
      const answer = await fetch(new URL("/api/csrf/", server.url));
      assert.equal(answer.status, 200);
    } finally {
      await server.stop();
    }
    const loaded = loadedModules(server.stderr());
    assert.ok(
      loaded.some((line) => line.includes("/packages/server/")),
      "the hook saw the modules the server loads",
    );
    assert.deepEqual(
      loaded.filter((line) => NODEMAILER_URL.test(line)),
      [],
    );
  });

  it("a server with an SMTP mail.url loads nodemailer and sends a sign-up message through a real SMTP server", async () => {
    const server = await startServe(["--port", "0"], {
      cwd: dir.path,
      env: {
        ...hooked,
        LATCHKEY_SIGNUP_ENABLED: "true",
        LATCHKEY_MAIL_URL: sink.url,
        LATCHKEY_MAIL_FROM: "Example <no-reply@example.com>",
      },
    });
    try {
      const client = createTestClient(server.url.replace(/\/$/, ""));
      const token = await client.fetchCsrf();
      const res = await client.post("/api/signup/", {
        json: { username: "newcomer", email: "newcomer@example.com", password: PASSWORD },
        headers: { "x-csrftoken": token },
      });
      assert.equal(res.status, 202, res.text);
      const mail = await sink.waitForMail("newcomer@example.com");
      assert.equal(mail.from, "no-reply@example.com");
      assert.ok(mail.key, "the message carries the verification link");
    } finally {
      await server.stop();
    }
    assert.ok(loadedModules(server.stderr()).some((line) => NODEMAILER_URL.test(line)));
  });

  it("latchkey sendtestemail sends its message through a real SMTP server", async () => {
    const result = await runLatchkey(["sendtestemail", "operator@example.com"], {
      cwd: dir.path,
      env: { LATCHKEY_MAIL_URL: sink.url },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, "Test message sent to operator@example.com (smtp).\n");
    const mail = await sink.waitForMail("operator@example.com");
    assert.match(mail.subject, /^Test email from latchkey on /);
  });
});
