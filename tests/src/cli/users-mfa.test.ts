import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createTestClient } from "@latchkey/testkit";
import { send } from "../contract/account-support.js";
import { MFA_KEY, totpCode } from "../contract/mfa-support.js";
import { runLatchkey, startServe, tempDir, type ServeProcess } from "../server/latchkey-process.js";

const PASSWORD = "correct horse battery staple";

describe("latchkey users mfa", () => {
  const env = { LATCHKEY_MFA_ENCRYPTION_KEYS: `${MFA_KEY.id}:${MFA_KEY.key}` };
  let dir: ReturnType<typeof tempDir>;
  let server: ServeProcess;
  const latchkey = (args: readonly string[]) => runLatchkey(args, { cwd: dir.path, env });

  before(async () => {
    dir = tempDir("latchkey-cli-mfa-");
    assert.equal((await latchkey(["migrate"])).code, 0);
    const created = await runLatchkey(
      ["createsuperuser", "--noinput", "--username", "carol", "--email", "carol@example.com"],
      { cwd: dir.path, env: { ...env, LATCHKEY_SUPERUSER_PASSWORD: PASSWORD } },
    );
    assert.equal(created.code, 0, created.stderr);
    server = await startServe(["--port", "0"], { cwd: dir.path, env });
  });
  after(async () => {
    await server?.stop();
    dir?.cleanup();
  });

  it("shows a user's factors, and reset removes them (logged) so the user logs in with the password alone", async () => {
    const none = await latchkey(["users", "mfa", "carol"]);
    assert.equal(none.code, 0, none.stderr);
    assert.match(none.stdout, /Authenticator app \(TOTP\): off/);

    // Enrol through the ready server, as the user would.
    const client = createTestClient(server.url);
    assert.equal((await client.login("carol", PASSWORD)).status, 200);
    const setup = await send(client, "POST", "/api/mfa/totp/setup/");
    assert.equal(setup.status, 200, setup.text);
    const confirmed = await send(client, "POST", "/api/mfa/totp/confirm/", {
      code: totpCode(String(setup.json.secret), Date.now()),
    });
    assert.equal(confirmed.status, 200, confirmed.text);
    assert.equal((await createTestClient(server.url).login("carol", PASSWORD)).status, 401);

    const shown = await latchkey(["users", "mfa", "carol", "--json"]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.deepEqual(JSON.parse(shown.stdout), {
      username: "carol",
      totp: "on",
      recoveryCodesRemaining: 10,
      passkeys: [],
    });

    const reset = await latchkey(["users", "mfa", "reset", "carol"]);
    assert.equal(reset.code, 0, reset.stderr);
    assert.match(reset.stdout, /Second factors of "carol" removed/);
    const audit = JSON.parse(reset.stderr.trim().split("\n").at(-1) ?? "{}") as Record<string, unknown>;
    assert.equal(audit.event, "mfa_reset");
    assert.equal(audit.username, "carol");
    assert.equal(audit.recoveryCodesRemoved, 10);
    assert.match(
      (await latchkey(["users", "mfa", "carol"])).stdout,
      /Authenticator app \(TOTP\): off[\s\S]*Recovery codes left: 0/,
    );
    assert.equal((await createTestClient(server.url).login("carol", PASSWORD)).status, 200);
  });

  it("names an unknown user", async () => {
    const result = await latchkey(["users", "mfa", "nobody"]);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /user "nobody" does not exist/);
  });
});
