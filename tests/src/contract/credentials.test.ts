import assert from "node:assert/strict";
import { pbkdf2Sync } from "node:crypto";
import { describe, it } from "node:test";
import type { PasswordHasher } from "@latchkey/password";
import { ADAPTERS } from "../harness/adapters.js";
import { appRunner } from "../harness/app-under-test.js";
import { createTestClient, type TestResponse } from "@latchkey/testkit";
import { fastHasher, testInternals } from "../harness/test-latchkey.js";
import { createUser, PASSWORD, setCookieFor, uniqueName } from "./support.js";

/** Headers that legitimately differ between two responses. */
const VOLATILE = new Set(["date", "keep-alive", "connection"]);

function comparable(res: TestResponse): { status: number; text: string; headers: [string, string][] } {
  const headers = [...res.headers.entries()]
    .filter(([name]) => !VOLATILE.has(name))
    .sort(([a], [b]) => a.localeCompare(b));
  return { status: res.status, text: res.text, headers };
}

/** A hasher that does the fast hasher's work and counts which path each check took. */
function countingHasher(): { hasher: PasswordHasher; counts: { verify: number; dummy: number } } {
  const counts = { verify: 0, dummy: 0 };
  const hasher: PasswordHasher = {
    algorithm: fastHasher.algorithm,
    hash: (password) => fastHasher.hash(password),
    verify(encoded, password) {
      counts.verify += 1;
      return fastHasher.verify(encoded, password);
    },
    verifyDummy(password) {
      counts.dummy += 1;
      return fastHasher.verifyDummy(password);
    },
  };
  return { hasher, counts };
}

/**
 * A Django `pbkdf2_sha256$…` hash, built as Django's PBKDF2PasswordHasher.encode does (few iterations, to stay fast).
 */
function djangoPbkdf2(password: string, salt: string, iterations = 1000): string {
  const hash = pbkdf2Sync(Buffer.from(password, "utf8"), Buffer.from(salt, "utf8"), iterations, 32, "sha256").toString(
    "base64",
  );
  return `pbkdf2_sha256$${iterations}$${salt}$${hash}`;
}

for (const [adapter, start] of Object.entries(ADAPTERS)) {
  describe(`credential checks: no enumeration, Django hashes (${adapter} adapter)`, () => {
    const withApp = appRunner(start);

    it("answers an unknown user, a wrong password and an inactive user identically (status, body, headers)", () =>
      withApp({}, async (app) => {
        const active = await createUser(app, "enum");
        const inactive = await createUser(app, "enumoff", { isActive: false });
        const attempts = [
          { username: uniqueName("nobody"), password: PASSWORD },
          { username: active.username, password: "wrong password here" },
          { username: inactive.username, password: PASSWORD },
        ];
        const sessionLogins: ReturnType<typeof comparable>[] = [];
        const tokenLogins: ReturnType<typeof comparable>[] = [];
        for (const attempt of attempts) {
          const client = createTestClient(app.baseUrl);
          const token = await client.fetchCsrf();
          const res = await client.post("/api/login/", { json: attempt, headers: { "x-csrftoken": token } });
          assert.equal(setCookieFor(res, "sessionid"), undefined);
          sessionLogins.push(comparable(res));
          tokenLogins.push(
            comparable(await createTestClient(app.baseUrl).post("/api/token/login/", { bare: true, json: attempt })),
          );
        }
        assert.equal(sessionLogins[0]?.status, 400);
        assert.equal(sessionLogins[0]?.text, '{"detail":"Invalid credentials.","code":"invalid_credentials"}');
        assert.deepEqual(sessionLogins[1], sessionLogins[0]);
        assert.deepEqual(sessionLogins[2], sessionLogins[0]);
        assert.equal(tokenLogins[0]?.status, 400);
        assert.deepEqual(tokenLogins[1], tokenLogins[0]);
        assert.deepEqual(tokenLogins[2], tokenLogins[0]);
      }));

    it("spends one password check on every attempt: the dummy hash for unknown and password-less users, the real one otherwise", () => {
      const { hasher, counts } = countingHasher();
      return withApp({ passwords: { hasher } }, async (app) => {
        const active = await createUser(app, "dummy");
        const inactive = await createUser(app, "dummyoff", { isActive: false });
        const noPassword = await app.latchkey.accounts.createUser({ username: uniqueName("nopass") });
        assert.ok(noPassword.ok);
        const cases = [
          { username: uniqueName("ghost"), password: PASSWORD, verify: 0, dummy: 1 },
          { username: noPassword.value.username, password: PASSWORD, verify: 0, dummy: 1 },
          { username: active.username, password: "wrong password here", verify: 1, dummy: 0 },
          { username: inactive.username, password: PASSWORD, verify: 1, dummy: 0 },
        ];
        for (const { username, password, verify, dummy } of cases) {
          const client = createTestClient(app.baseUrl);
          const token = await client.fetchCsrf();
          const before = { ...counts };
          const res = await client.post("/api/login/", {
            json: { username, password },
            headers: { "x-csrftoken": token },
          });
          assert.equal(res.status, 400, username);
          assert.equal(res.json.code, "invalid_credentials");
          assert.deepEqual(
            { verify: counts.verify - before.verify, dummy: counts.dummy - before.dummy },
            { verify, dummy },
            username,
          );
        }
      });
    });

    it("logs in a user migrated from Django with a pbkdf2_sha256 hash and re-hashes it to argon2id", () =>
      withApp({}, async (app) => {
        const username = uniqueName("django");
        const created = await app.latchkey.accounts.createUser({ username });
        assert.ok(created.ok);
        const id = String(created.value.id);
        const { stores } = testInternals(app.latchkey);
        await stores.users.updateUser(id, { passwordHash: djangoPbkdf2("lètmein from django", "seasalt42") });

        const wrong = await createTestClient(app.baseUrl).login(username, "not it");
        assert.equal(wrong.status, 400);
        assert.match(
          (await stores.users.getUserById(id))?.passwordHash ?? "",
          /^pbkdf2_sha256\$/,
          "a failed login changes nothing",
        );

        const client = createTestClient(app.baseUrl);
        const res = await client.login(username, "lètmein from django");
        assert.equal(res.status, 200, res.text);
        assert.match((await stores.users.getUserById(id))?.passwordHash ?? "", /^\$argon2id\$/);
        const again = await createTestClient(app.baseUrl).login(username, "lètmein from django");
        assert.equal(again.status, 200, "the re-hashed password still logs in");
      }));

    it("matches usernames case-insensitively and after NFKC, and keeps passwords exact", () =>
      withApp({}, async (app) => {
        const user = await createUser(app, "Casey");
        const wide = user.username.replace("Casey", "Ｃａｓｅｙ");
        for (const variant of [user.username.toUpperCase(), user.username.toLowerCase(), wide]) {
          const res = await createTestClient(app.baseUrl).login(variant, user.password);
          assert.equal(res.status, 200, `${variant}: ${res.text}`);
          assert.equal((res.json.user as Record<string, unknown>).username, user.username);
        }
        assert.equal(
          (await createTestClient(app.baseUrl).login(user.username, user.password.toUpperCase())).status,
          400,
          "no case folding of passwords",
        );
        assert.equal(
          (await createTestClient(app.baseUrl).login(user.username, `${user.password} `)).status,
          400,
          "no trimming of passwords",
        );
      }));
  });
}
