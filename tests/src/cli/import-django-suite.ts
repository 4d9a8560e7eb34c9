import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { openSqliteDatabase } from "@latchkey/store-sqlite";
import { createTestClient, startPostgres, type PostgresServer } from "@latchkey/testkit";
import pg from "pg";
import {
  REPO_ROOT,
  runLatchkey,
  startServe,
  tempDir,
  type CommandResult,
  type ServeProcess,
} from "../server/latchkey-process.js";
import { jsonRecords } from "./cli-fixture.js";

// `latchkey import-django` against real Django databases, built by Debian's python3-django
// with Django's own APIs (tests/fixtures/django/make-django-db.py): users with each hash
// type, groups, permissions, and sessions logged in through Django's test client.

const PYTHON = "/usr/bin/python3";
const MAKE_DJANGO_DB = join(REPO_ROOT, "tests", "fixtures", "django", "make-django-db.py");
const SECRET_KEY = "django-insecure-latchkey-import-test-key-0123456789";
const TIMEOUT_MS = 120_000;

/** Django and the libraries its hashers and PostgreSQL backend need, or a loud skip reason. */
export function requireDjango(): string | false {
  const probe = spawnSync(PYTHON, ["-c", "import django, bcrypt, argon2, psycopg2"], { encoding: "utf8" });
  if (probe.status === 0) return false;
  const reason =
    "needs /usr/bin/python3 with Debian's python3-django, python3-bcrypt, python3-argon2 and python3-psycopg2";
  if (process.env["CI"] === "true")
    throw new Error(`This test ${reason}. Under CI=true a missing program is a failure, not a skip.`);
  return reason;
}

/** What the Django script made. */
interface DjangoFixture {
  passwords: Record<string, string>;
  hashes: Record<string, string>;
  sessions: Record<string, string>;
  /** The username Django itself resolved for each session key before the move. */
  djangoSees: Record<string, string | null>;
}

function makeDjangoDatabase(args: readonly string[]): Promise<DjangoFixture> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [MAKE_DJANGO_DB, ...args], {
      env: { PATH: process.env["PATH"] ?? "", DJANGO_SECRET_KEY: SECRET_KEY },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.once("error", reject);
    child.once("close", (code) =>
      code === 0
        ? resolve(JSON.parse(stdout) as DjangoFixture)
        : reject(new Error(`make-django-db.py failed (${code}):\n${stderr}`)),
    );
  });
}

/** Where the Django database and latchkey's stores live for one run of the suite. */
export interface Backend {
  name: string;
  skip: string | false;
  /** Builds the Django database; resolves to its URL, latchkey's environment, and a reader of stored hashes. */
  setup(dir: string): Promise<{
    djangoUrl: string;
    fixture: DjangoFixture;
    env: Record<string, string>;
    storedHash(username: string): Promise<string | null>;
    /**
     * Makes latchkey's database refuse to insert this user (a trigger raising an error), as a full disk would; resolves
     * to the undo.
     */
    failInsertsOf(username: string): Promise<() => Promise<void>>;
    close(): Promise<void>;
  }>;
}

/**
 * A Django SQLite database, latchkey's users in SQLite, and its sessions and throttle counters in SQLite or (with
 * `redisUrl`) Redis.
 */
export async function sqliteSetup(
  dir: string,
  redisUrl: string | null,
): Promise<Awaited<ReturnType<Backend["setup"]>>> {
  const path = join(dir, "django.sqlite3");
  const fixture = await makeDjangoDatabase(["sqlite", path]);
  return {
    djangoUrl: `sqlite://${path}`,
    fixture,
    env: redisUrl === null ? {} : { LATCHKEY_REDIS_URL: redisUrl },
    async storedHash(username) {
      const db = openSqliteDatabase(join(dir, "data", "latchkey.sqlite3"));
      try {
        const row = db.prepare("SELECT password_hash FROM latchkey_users WHERE username = ?").get(username) as
          | { password_hash: string | null }
          | undefined;
        return row?.password_hash ?? null;
      } finally {
        db.close();
      }
    },
    async failInsertsOf(username) {
      const db = openSqliteDatabase(join(dir, "data", "latchkey.sqlite3"));
      try {
        db.prepare(
          `CREATE TRIGGER test_fail_insert BEFORE INSERT ON latchkey_users WHEN NEW.username = '${username}' BEGIN SELECT RAISE(ABORT, 'disk I/O error (a test trigger)'); END`,
        ).run();
      } finally {
        db.close();
      }
      return async () => {
        const undo = openSqliteDatabase(join(dir, "data", "latchkey.sqlite3"));
        try {
          undo.prepare("DROP TRIGGER test_fail_insert").run();
        } finally {
          undo.close();
        }
      };
    },
    close: async () => undefined,
  };
}

/** A Django PostgreSQL database, with latchkey's tables in the same database. */
export async function postgresSetup(): Promise<Awaited<ReturnType<Backend["setup"]>>> {
  const server: PostgresServer = await startPostgres({ database: "app" });
  const fixture = await makeDjangoDatabase([
    "postgres",
    server.host,
    String(server.port),
    server.user,
    server.database,
  ]);
  return {
    // Django's tables and latchkey's live side by side in one database here; the import
    // reads Django's inside a READ ONLY transaction.
    djangoUrl: server.url,
    fixture,
    env: { LATCHKEY_DATABASE_URL: server.url },
    async storedHash(username) {
      const client = new pg.Client({ connectionString: server.url });
      await client.connect();
      try {
        const result = await client.query<{ password_hash: string | null }>(
          "SELECT password_hash FROM latchkey_users WHERE username = $1",
          [username],
        );
        return result.rows[0]?.password_hash ?? null;
      } finally {
        await client.end();
      }
    },
    async failInsertsOf(username) {
      const run = async (sql: string): Promise<void> => {
        const client = new pg.Client({ connectionString: server.url });
        await client.connect();
        try {
          await client.query(sql);
        } finally {
          await client.end();
        }
      };
      await run(`CREATE FUNCTION test_fail_insert() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.username = '${username}' THEN RAISE EXCEPTION 'disk I/O error (a test trigger)'; END IF; RETURN NEW; END $$;
        CREATE TRIGGER test_fail_insert BEFORE INSERT ON latchkey_users FOR EACH ROW EXECUTE FUNCTION test_fail_insert();`);
      return () => run("DROP TRIGGER test_fail_insert ON latchkey_users; DROP FUNCTION test_fail_insert();");
    },
    close: () => server.stop().then(() => undefined),
  };
}

/** The import-django suite against one backend. */
export function importDjangoSuite(backend: Backend): void {
  describe(`latchkey import-django from a Django ${backend.name} database`, { skip: backend.skip }, () => {
    const dir = tempDir("latchkey-django-");
    let setup: Awaited<ReturnType<Backend["setup"]>>;
    let server: ServeProcess | undefined;
    const latchkey = (args: readonly string[], env: Record<string, string> = {}): Promise<CommandResult> =>
      runLatchkey(args, { cwd: dir.path, env: { ...setup.env, ...env } });

    before(async () => {
      setup = await backend.setup(dir.path);
      const migrated = await latchkey(["migrate"]);
      assert.equal(migrated.code, 0, migrated.stderr);
    });
    after(async () => {
      await server?.stop();
      await setup?.close();
      dir.cleanup();
    });

    it("reports in a dry run what it would import and skip, and writes nothing", { timeout: TIMEOUT_MS }, async () => {
      const result = await latchkey(["import-django", setup.djangoUrl, "--dry-run", "--sessions", "--json"], {
        DJANGO_SECRET_KEY: SECRET_KEY,
      });
      assert.equal(result.code, 0, result.stderr);
      const report = JSON.parse(result.stdout) as {
        dryRun: boolean;
        groups: number;
        users: { created: number; skipped: { what: string; reason: string }[] };
        sessions: { imported: number };
      };
      assert.equal(report.dryRun, true);
      assert.equal(report.groups, 2);
      assert.equal(report.users.created, 9);
      assert.equal(report.sessions.imported, 6);
      assert.match(result.stderr, /users\s+\[#+\] 10\/10/, "a progress bar on standard error");
      const listed = await latchkey(["users", "list", "--json"]);
      assert.deepEqual(jsonRecords(listed.stdout), [], "nothing was written");
    });

    it("imports users with their flags, names, dates, groups and permissions, and says which rows it skipped and why", {
      timeout: TIMEOUT_MS,
    }, async () => {
      const result = await latchkey(["import-django", setup.djangoUrl, "--sessions"], {
        DJANGO_SECRET_KEY: SECRET_KEY,
      });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /Groups: 2 imported/);
      assert.match(
        result.stdout,
        /Users: 9 were created, 0 already present \(left unchanged\), 1 skipped; 1 new user without a usable password\./,
      );
      assert.match(result.stdout, /Sessions: 6 were imported, 0 already present, 2 skipped\./);
      assert.match(result.stdout, /user "carol" \(Django id \d+\): its username differs only in case from "Carol"/);
      assert.match(result.stdout, /its user's password changed since it began, so Django would not accept it/);
      assert.match(result.stdout, /its user \(Django id \d+\) was not imported/);

      const users = new Map(
        jsonRecords((await latchkey(["users", "list", "--json"])).stdout).map((u) => [u.username, u]),
      );
      assert.deepEqual([...users.keys()].sort(), [
        "Carol",
        "ada",
        "barbara",
        "grace",
        "hedy",
        "ken",
        "linus",
        "nopass",
        "sleepy",
      ]);
      const ada = users.get("ada");
      assert.ok(ada);
      assert.equal(ada.firstName, "Ada");
      assert.equal(ada.lastName, "Lovelace");
      assert.equal(ada.isStaff, true);
      assert.deepEqual(ada.groups, ["editors"]);
      assert.deepEqual(
        ada.permissions,
        ["auth.add_user", "auth.change_user", "auth.view_user"],
        "direct and group permissions, as app_label.codename",
      );
      assert.ok(Date.now() - Date.parse(String(ada.dateJoined)) > 399 * 86_400_000, "date joined comes from Django");
      assert.ok(ada.lastLogin !== null, "last login comes from Django");
      assert.deepEqual(users.get("grace")?.groups, ["auditors", "editors"]);
      assert.equal(users.get("barbara")?.isSuperuser, true);
      assert.equal(users.get("sleepy")?.isActive, false);
      assert.equal(users.get("nopass")?.lastLogin, null);
      assert.equal(await setup.storedHash("nopass"), null, "Django's unusable password becomes no password");
      assert.match(
        (await setup.storedHash("linus")) ?? "",
        /^bcrypt_sha256\$\$2b\$/,
        "hashes are imported as they are",
      );
      server = await startServe(["--port", "0"], { cwd: dir.path, env: setup.env });
    });

    it("lets each imported user log in with their Django password, and re-hashes it to argon2id on that login", {
      timeout: TIMEOUT_MS,
    }, async () => {
      assert.ok(server);
      const expected = {
        ada: "pbkdf2_sha256",
        grace: "argon2",
        linus: "bcrypt_sha256",
        ken: "bcrypt",
        barbara: "scrypt",
      };
      for (const [username, algorithm] of Object.entries(expected)) {
        assert.equal(setup.fixture.hashes[username], algorithm);
        const before = (await setup.storedHash(username)) ?? "";
        assert.ok(before.startsWith(`${algorithm}$`), `${username} starts with Django's ${algorithm} hash`);
        const client = createTestClient(server.url);
        const res = await client.login(username, setup.fixture.passwords[username] ?? "");
        assert.equal(res.status, 200, `${username}: ${res.text}`);
        assert.ok(
          ((await setup.storedHash(username)) ?? "").startsWith("$argon2id$"),
          `${username} is re-hashed to argon2id`,
        );
        const again = await createTestClient(server.url).login(username, setup.fixture.passwords[username] ?? "");
        assert.equal(again.status, 200, `${username} logs in again with the new hash`);
      }
      for (const [username, password] of [
        ["sleepy", "inactive pass phrase"],
        ["nopass", "anything at all"],
        ["ada", "wrong password"],
      ] as const) {
        assert.equal((await createTestClient(server.url).login(username, password)).status, 400, username);
      }
    });

    it("keeps a client holding a Django sessionid logged in across the switch, exchanging the key once for a latchkey token", {
      timeout: TIMEOUT_MS,
    }, async () => {
      assert.ok(server);
      for (const name of ["grace", "linus", "barbara"]) {
        const key = setup.fixture.sessions[name] ?? "";
        assert.equal(setup.fixture.djangoSees[name], name, "Django itself had this browser logged in");
        const browser = createTestClient(server.url);
        browser.setCookie("sessionid", key);
        const whoami = await browser.get("/api/whoami/");
        assert.equal(whoami.status, 200, whoami.text);
        assert.equal(whoami.json.username, name);
        const rotated = browser.cookie("sessionid") ?? "";
        assert.match(rotated, /^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/, "the cookie now holds a latchkey token");
        assert.equal((await browser.get("/api/whoami/")).status, 200, "and stays logged in");
        const replay = createTestClient(server.url);
        replay.setCookie("sessionid", key);
        assert.equal((await replay.get("/api/whoami/")).status, 401, "the Django key is accepted once only");
        const logout = await browser.post("/api/logout/", { headers: { "x-csrftoken": await browser.fetchCsrf() } });
        assert.equal(logout.status, 200, logout.text);
      }
    });

    it("exchanges a Django key for exactly one session when a burst of requests presents it at once (a replay race)", {
      timeout: TIMEOUT_MS,
    }, async () => {
      assert.ok(server);
      const key = setup.fixture.sessions["ada-2"] ?? "";
      const clients = Array.from({ length: 12 }, () => {
        const client = createTestClient(server?.url ?? "");
        client.setCookie("sessionid", key);
        return client;
      });
      const answers = await Promise.all(clients.map((c) => c.get("/api/whoami/")));
      assert.equal(answers.filter((a) => a.status === 200).length, 1, answers.map((a) => a.status).join(","));
      assert.equal(answers.filter((a) => a.status === 401).length, 11);
      const winner = clients[answers.findIndex((a) => a.status === 200)];
      assert.equal((await winner?.get("/api/whoami/"))?.json.username, "ada");
      for (const loser of clients.filter((c) => c !== winner))
        assert.equal(
          loser.cookie("sessionid"),
          key,
          "a losing request does not clear the cookie the winner is replacing",
        );
    });

    it("refuses the Django sessions it did not import: expired, anonymous, ended by a password change, of a skipped user", {
      timeout: TIMEOUT_MS,
    }, async () => {
      assert.ok(server);
      for (const name of ["ken-expired", "anonymous", "hedy-changed", "carol"]) {
        const client = createTestClient(server.url);
        client.setCookie("sessionid", setup.fixture.sessions[name] ?? "");
        assert.equal((await client.get("/api/whoami/")).status, 401, name);
      }
    });

    it("changes nothing when run again: users matched by username are left as they are, exchanged sessions stay dead", {
      timeout: TIMEOUT_MS,
    }, async () => {
      const result = await latchkey(["import-django", setup.djangoUrl, "--sessions", "--json"], {
        DJANGO_SECRET_KEY: SECRET_KEY,
      });
      assert.equal(result.code, 0, result.stderr);
      const report = JSON.parse(result.stdout) as {
        users: { created: number; unchanged: number };
        sessions: { imported: number; unchanged: number; skipped: { reason: string }[] };
      };
      assert.equal(report.users.created, 0);
      assert.equal(report.users.unchanged, 9);
      assert.equal(report.sessions.imported, 0);
      assert.equal(report.sessions.unchanged, 2, "ada's and ken's keys were never used");
      assert.equal(
        report.sessions.skipped.filter((s) => s.reason === "it was already exchanged for a latchkey session").length,
        4,
      );
      assert.ok(((await setup.storedHash("ada")) ?? "").startsWith("$argon2id$"), "the upgraded hash is kept");
    });

    it("refuses --sessions without DJANGO_SECRET_KEY, and a database URL of another kind, with the fix in the message", {
      timeout: TIMEOUT_MS,
    }, async () => {
      const noKey = await latchkey(["import-django", setup.djangoUrl, "--sessions"]);
      assert.equal(noKey.code, 1);
      assert.match(noKey.stderr, /DJANGO_SECRET_KEY/);
      const mysql = await latchkey(["import-django", "mysql://django@127.0.0.1/app"]);
      assert.equal(mysql.code, 1);
      assert.match(mysql.stderr, /sqlite:\/\/\/path\/db\.sqlite3 or postgres:\/\//);
    });
  });
}

/**
 * One transaction per batch: a batch that fails part-way leaves nothing of itself, the
 * progress never counts it, and running the command again resumes at that batch.
 */
export function importDjangoBatchSuite(backend: Backend): void {
  describe(`latchkey import-django writes each batch of users whole, into ${backend.name}`, {
    skip: backend.skip,
  }, () => {
    const dir = tempDir("latchkey-django-batch-");
    let setup: Awaited<ReturnType<Backend["setup"]>>;
    const latchkey = (args: readonly string[]): Promise<CommandResult> =>
      runLatchkey(args, { cwd: dir.path, env: setup.env });
    const usernames = async (): Promise<string[]> =>
      jsonRecords((await latchkey(["users", "list", "--json"])).stdout)
        .map((u) => String(u.username))
        .sort();

    before(async () => {
      setup = await backend.setup(dir.path);
      const migrated = await latchkey(["migrate"]);
      assert.equal(migrated.code, 0, migrated.stderr);
    });
    after(async () => {
      await setup?.close();
      dir.cleanup();
    });

    it("leaves nothing of a batch whose write fails part-way, counts only the batches written, and resumes at that batch when run again", {
      timeout: TIMEOUT_MS,
    }, async () => {
      // Django's users by id: ada, grace, linus, ken | barbara, nopass, sleepy, Carol | carol, hedy.
      // The third user of the second batch cannot be written, as on a full disk.
      const undo = await setup.failInsertsOf("sleepy");
      const failed = await latchkey(["import-django", setup.djangoUrl, "--batch-size", "4"]);
      assert.equal(failed.code, 1, failed.stdout);
      assert.match(
        failed.stderr,
        /import stopped: writing the batch of Django users \d+ to \d+ failed \(.*disk I\/O error \(a test trigger\)/,
      );
      assert.match(failed.stderr, /nothing of the failing batch was written/);
      assert.match(failed.stderr, /users\s+\[#+ +\] 4\/10\n/, "the first batch is counted");
      assert.doesNotMatch(failed.stderr, /\] 8\/10/, "the failed batch is not");
      assert.deepEqual(
        await usernames(),
        ["ada", "grace", "ken", "linus"],
        "barbara and nopass, written before sleepy in the same batch, were rolled back with it",
      );

      await undo();
      const resumed = await latchkey(["import-django", setup.djangoUrl, "--batch-size", "4", "--json"]);
      assert.equal(resumed.code, 0, resumed.stderr);
      const report = JSON.parse(resumed.stdout) as { users: { created: number; unchanged: number } };
      assert.equal(report.users.unchanged, 4, "the first batch is found and left as it is");
      assert.equal(report.users.created, 5, "the rest is written: barbara, nopass, sleepy, Carol, hedy");
      assert.match(resumed.stderr, /\] 10\/10\n/);
      assert.deepEqual(await usernames(), [
        "Carol",
        "ada",
        "barbara",
        "grace",
        "hedy",
        "ken",
        "linus",
        "nopass",
        "sleepy",
      ]);
      const ada = jsonRecords((await latchkey(["users", "list", "--json"])).stdout).find((u) => u.username === "ada");
      assert.ok(ada?.lastLogin !== null && ada?.lastLogin !== undefined, "the last login is written with the user");
      assert.deepEqual(ada?.groups, ["editors"]);
    });
  });
}
