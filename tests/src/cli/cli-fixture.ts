import assert from "node:assert/strict";
import { createTestClient, type TestClient } from "@latchkey/testkit";
import { runLatchkey, startServe, tempDir, type CommandResult, type ServeProcess } from "../server/latchkey-process.js";

/** The password every fixture user starts with. */
export const PASSWORD = "correct horse battery staple";

/** A temp folder with a migrated database, users, and a running `latchkey serve` on it. */
export interface CliFixture {
  readonly dir: string;
  readonly server: ServeProcess;
  /** Runs `latchkey <args>` in the fixture's folder (same config, same database as the server). */
  latchkey(args: readonly string[], env?: Readonly<Record<string, string>>): Promise<CommandResult>;
  /** A browser-like client logged in as `username` over HTTP. */
  loggedIn(username: string, password?: string, userAgent?: string): Promise<TestClient>;
  close(): Promise<void>;
}

/** Creates the users (superusers, password {@link PASSWORD}) and starts the server. */
export async function cliFixture(usernames: readonly string[] = ["alice"]): Promise<CliFixture> {
  const dir = tempDir("latchkey-cli-");
  const latchkey = (args: readonly string[], env: Readonly<Record<string, string>> = {}) =>
    runLatchkey(args, { cwd: dir.path, env });
  const migrated = await latchkey(["migrate"]);
  assert.equal(migrated.code, 0, migrated.stderr);
  for (const username of usernames) {
    const created = await latchkey(
      ["createsuperuser", "--noinput", "--username", username, "--email", `${username}@example.com`],
      { LATCHKEY_SUPERUSER_PASSWORD: PASSWORD },
    );
    assert.equal(created.code, 0, created.stderr);
  }
  const server = await startServe(["--port", "0"], { cwd: dir.path });
  return {
    dir: dir.path,
    server,
    latchkey,
    async loggedIn(username, password = PASSWORD, userAgent) {
      const client = createTestClient(server.url);
      const token = await client.fetchCsrf();
      const res = await client.post("/api/login/", {
        json: { username, password },
        headers: { "x-csrftoken": token, ...(userAgent === undefined ? {} : { "user-agent": userAgent }) },
      });
      assert.equal(res.status, 200, res.text);
      return client;
    },
    async close() {
      await server.stop();
      dir.cleanup();
    },
  };
}

/** The status of `GET /api/whoami/` for this client: 200 while its session lives. */
export async function whoamiStatus(client: TestClient): Promise<number> {
  return (await client.get("/api/whoami/")).status;
}

/** The JSON array a `--json` command printed, as a list of records. */
export function jsonRecords(stdout: string): Record<string, unknown>[] {
  const parsed: unknown = JSON.parse(stdout);
  assert.ok(Array.isArray(parsed), "the output is a JSON array");
  return parsed.map((item: unknown) => {
    assert.ok(typeof item === "object" && item !== null && !Array.isArray(item), "each entry is an object");
    return Object.fromEntries(Object.entries(item));
  });
}
