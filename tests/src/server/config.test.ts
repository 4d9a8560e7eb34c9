import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ENV_VARS, loadServerConfig, redactUrl, ServerConfigError, SETTINGS } from "@latchkey/server";
import { REPO_ROOT, tempDir } from "./latchkey-process.js";

/** Runs `body` in a fresh directory, deleted afterwards. */
function inTempDir<T>(body: (dir: string) => T): T {
  const dir = tempDir("latchkey-config-");
  try {
    return body(dir.path);
  } finally {
    dir.cleanup();
  }
}

/** The problems of a configuration that must be refused. */
function problemsOf(load: () => unknown): readonly string[] {
  try {
    load();
  } catch (error) {
    if (error instanceof ServerConfigError) return error.problems;
    throw error;
  }
  assert.fail("the configuration was accepted");
}

describe("loadServerConfig()", () => {
  it("fills in the documented defaults, with absolute paths under the working directory", () => {
    inTempDir((cwd) => {
      const config = loadServerConfig({ cwd, env: {} });
      assert.equal(config.host, "127.0.0.1");
      assert.equal(config.port, 8000);
      assert.equal(config.dataDir, join(cwd, "data"));
      assert.equal(config.database, join(cwd, "data", "latchkey.sqlite3"));
      assert.equal(config.spaDir, null);
      assert.equal(config.mode, "development");
      assert.equal(config.migrateOnStart, true);
      assert.equal(config.logLevel, "info");
      assert.equal(config.configFile, null);
      assert.deepEqual(config.latchkey, {});
      assert.deepEqual(config.sources, {});
      assert.ok(Object.isFrozen(config) && Object.isFrozen(config.latchkey));
    });
  });

  it("lets the config file override defaults, the environment override the file, and flags override both", () => {
    inTempDir((cwd) => {
      writeFileSync(
        join(cwd, "latchkey.config.json"),
        JSON.stringify({ port: 7000, host: "127.0.0.2", logLevel: "warn", session: { idleTimeoutSeconds: 600 } }),
      );
      const env = { LATCHKEY_PORT: "7100", LATCHKEY_HOST: "127.0.0.3" };
      const config = loadServerConfig({ cwd, env, overrides: { port: "7200" } });
      assert.equal(config.port, 7200);
      assert.equal(config.host, "127.0.0.3");
      assert.equal(config.logLevel, "warn");
      assert.equal(config.latchkey.session?.idleTimeoutSeconds, 600);
      assert.equal(config.configFile, join(cwd, "latchkey.config.json"));
      assert.equal(config.sources.port, '--port "7200" (command line)');
      assert.equal(config.sources.host, 'LATCHKEY_HOST="127.0.0.3" (environment)');
      assert.equal(config.sources.logLevel, "latchkey.config.json");
      assert.equal(config.sources["session.idleTimeoutSeconds"], "latchkey.config.json");
    });
  });

  it("merges nested settings key by key across layers", () => {
    inTempDir((cwd) => {
      writeFileSync(
        join(cwd, "latchkey.config.json"),
        JSON.stringify({ session: { idleTimeoutSeconds: 600, cookieName: "sid" }, throttle: { perIp: { points: 3 } } }),
      );
      const config = loadServerConfig({
        cwd,
        env: { LATCHKEY_SESSION_IDLE_TIMEOUT_SECONDS: "900", LATCHKEY_THROTTLE_PER_IP_DURATION_SECONDS: "60" },
      });
      assert.deepEqual(config.latchkey.session, { idleTimeoutSeconds: 900, cookieName: "sid" });
      assert.deepEqual(config.latchkey.throttle, { perIp: { points: 3, durationSeconds: 60 } });
    });
  });

  it("reads the file named by --config (or LATCHKEY_CONFIG) and resolves its relative paths against the file's folder", () => {
    inTempDir((cwd) => {
      mkdirSync(join(cwd, "etc"));
      writeFileSync(join(cwd, "etc", "auth.json"), JSON.stringify({ dataDir: "../var", spaDir: "site" }));
      const viaFlag = loadServerConfig({ cwd, env: {}, configFile: "etc/auth.json" });
      assert.equal(viaFlag.dataDir, join(cwd, "var"));
      assert.equal(viaFlag.database, join(cwd, "var", "latchkey.sqlite3"));
      assert.equal(viaFlag.spaDir, join(cwd, "etc", "site"));
      const viaEnv = loadServerConfig({
        cwd,
        env: { LATCHKEY_CONFIG: join(cwd, "etc", "auth.json"), LATCHKEY_DATA_DIR: "elsewhere" },
      });
      assert.equal(
        viaEnv.dataDir,
        join(cwd, "elsewhere"),
        "paths from the environment are relative to the working directory",
      );
    });
  });

  it("turns production on with NODE_ENV=production, unless LATCHKEY_MODE says otherwise", () => {
    inTempDir((cwd) => {
      assert.equal(loadServerConfig({ cwd, env: { NODE_ENV: "production" } }).mode, "production");
      assert.equal(
        loadServerConfig({ cwd, env: { NODE_ENV: "production", LATCHKEY_MODE: "development" } }).mode,
        "development",
      );
      assert.equal(loadServerConfig({ cwd, env: { NODE_ENV: "development" } }).mode, "development");
    });
  });

  it("reads lists, booleans, route aliases, CORS settings and compat flags from environment text", () => {
    inTempDir((cwd) => {
      const config = loadServerConfig({
        cwd,
        env: {
          LATCHKEY_TRUSTED_ORIGINS: "http://localhost:5173, https://app.example.com",
          LATCHKEY_MIGRATE_ON_START: "no",
          LATCHKEY_ROUTES_LOGIN: "/auth/login/,/login/",
          LATCHKEY_ROUTES_OPENAPI: "false",
          LATCHKEY_COMPAT: "getLogout",
          LATCHKEY_TRUST_PROXY: "2",
          LATCHKEY_SESSION_COOKIE_NAME: "",
          LATCHKEY_CORS_ENABLED: "off",
          LATCHKEY_CORS_ALLOW_HEADERS: "X-Request-Id",
        },
      });
      assert.deepEqual(config.latchkey.trustedOrigins, ["http://localhost:5173", "https://app.example.com"]);
      assert.equal(config.migrateOnStart, false);
      assert.deepEqual(config.latchkey.routes, { login: ["/auth/login/", "/login/"], openapi: false });
      assert.deepEqual(config.latchkey.compat, { getLogout: true });
      assert.equal(config.latchkey.trustProxy, 2);
      assert.deepEqual(config.latchkey.cors, { enabled: false, allowHeaders: ["X-Request-Id"] });
      assert.equal(config.latchkey.session, undefined, "an empty variable counts as unset");
    });
  });

  it("reports every bad value of the file, the environment and the flags at once, each naming its source", () => {
    inTempDir((cwd) => {
      writeFileSync(
        join(cwd, "latchkey.config.json"),
        JSON.stringify({ sesion: {}, session: { idleTimeoutSeconds: -5 }, cookies: { sameSite: "loose" } }),
      );
      const problems = problemsOf(() =>
        loadServerConfig({
          cwd,
          env: { LATCHKEY_PORT: "abc", LATCHKEY_TRUST_PROXY: "maybe", LATCHKEY_MIGRATE_ON_START: "sometimes" },
          overrides: { host: "", spaDir: "dist", port: "99999" },
        }),
      );
      const expected = [
        'latchkey.config.json: sesion: unknown setting (did you mean "session"?)',
        "latchkey.config.json: session.idleTimeoutSeconds: must be an integer from 1 to 315360000",
        'latchkey.config.json: cookies.sameSite: must be one of "lax", "strict", "none"',
        'LATCHKEY_PORT="abc" (environment): must be an integer from 0 to 65535',
        'LATCHKEY_TRUST_PROXY="maybe" (environment): must be true, false or a number of proxy hops from 0 to 10',
        'LATCHKEY_MIGRATE_ON_START="sometimes" (environment): must be true or false (or 1/0, yes/no, on/off)',
        '--host "" (command line): must not be empty',
        '--port "99999" (command line): must be an integer from 0 to 65535',
      ];
      for (const line of expected)
        assert.ok(problems.includes(line), `missing problem: ${line}\ngot:\n${problems.join("\n")}`);
      assert.equal(problems.length, expected.length, problems.join("\n"));
    });
  });

  it("reports core's cross-setting problems together with its own, naming the settings' sources", () => {
    inTempDir((cwd) => {
      writeFileSync(
        join(cwd, "latchkey.config.json"),
        JSON.stringify({ session: { absoluteTimeoutSeconds: 3600 }, trustedOrigins: ["https://*.example.com"] }),
      );
      const problems = problemsOf(() =>
        loadServerConfig({ cwd, env: { LATCHKEY_SESSION_IDLE_TIMEOUT_SECONDS: "7200", LATCHKEY_PORT: "x" } }),
      );
      assert.ok(
        problems.includes('LATCHKEY_PORT="x" (environment): must be an integer from 0 to 65535'),
        problems.join("\n"),
      );
      assert.ok(
        problems.includes(
          'LATCHKEY_SESSION_IDLE_TIMEOUT_SECONDS="7200" (environment) and latchkey.config.json: session.idleTimeoutSeconds (7200) must not exceed session.absoluteTimeoutSeconds (3600)',
        ),
        problems.join("\n"),
      );
      assert.ok(
        problems.some((p) => p.startsWith("latchkey.config.json: trustedOrigins[0]:") && p.includes("wildcard")),
        problems.join("\n"),
      );
    });
  });

  it("refuses non-Secure cookies in production, saying where the value and production mode came from", () => {
    inTempDir((cwd) => {
      const problems = problemsOf(() =>
        loadServerConfig({
          cwd,
          env: { NODE_ENV: "production", LATCHKEY_COOKIES_SECURE: "never", LATCHKEY_COOKIES_HOST_PREFIX: "false" },
        }),
      );
      assert.equal(problems.length, 1, problems.join("\n"));
      assert.match(
        problems[0] ?? "",
        /^LATCHKEY_COOKIES_SECURE="never" \(environment\): cookies\.secure: "never" is refused in production/,
      );
      assert.match(problems[0] ?? "", /production mode set by NODE_ENV="production" \(environment\)/);
      assert.equal(
        loadServerConfig({
          cwd,
          env: {
            NODE_ENV: "production",
            LATCHKEY_COOKIES_SECURE: "never",
            LATCHKEY_COOKIES_HOST_PREFIX: "false",
            LATCHKEY_ALLOW_INSECURE: "true",
          },
        }).mode,
        "production",
      );
    });
  });

  it("says when the named config file is missing or not JSON", () => {
    inTempDir((cwd) => {
      assert.deepEqual(
        problemsOf(() => loadServerConfig({ cwd, env: {}, configFile: "nope.json" })),
        [`--config "nope.json" (command line): config file ${join(cwd, "nope.json")} not found`],
      );
      writeFileSync(join(cwd, "latchkey.config.json"), "{ port: 1 }");
      const [problem] = problemsOf(() => loadServerConfig({ cwd, env: {} }));
      assert.match(problem ?? "", /^latchkey\.config\.json: not valid JSON/);
      writeFileSync(join(cwd, "latchkey.config.json"), "[1, 2]");
      assert.deepEqual(
        problemsOf(() => loadServerConfig({ cwd, env: {} })),
        ["latchkey.config.json: must hold a JSON object of settings"],
      );
    });
  });

  it("warns about a LATCHKEY_ variable that is no setting, suggesting the likely one", () => {
    inTempDir((cwd) => {
      const config = loadServerConfig({
        cwd,
        env: { LATCHKEY_PROT: "9000", LATCHKEY_SUPERUSER_PASSWORD: "x", LATCHKEY_NEW_PASSWORD: "y" },
      });
      assert.deepEqual(config.warnings, [
        "LATCHKEY_PROT (environment) is not a latchkey setting and was ignored (did you mean LATCHKEY_PORT?)",
      ]);
    });
  });

  it("accepts the documented example value of every environment variable, and names it as the source", () => {
    inTempDir((cwd) => {
      // A PostgreSQL URL too: the session cache's example ("true") needs a store that can carry invalidations.
      const base = { LATCHKEY_ALLOW_INSECURE: "true", LATCHKEY_DATABASE_URL: "postgres://latchkey@127.0.0.1/latchkey" };
      // mail.templatesDir's example names a folder that must exist (it is read at start-up); an empty one overrides
      // nothing.
      mkdirSync(join(cwd, "mail-templates"));
      for (const setting of SETTINGS) {
        const config = loadServerConfig({ cwd, env: { ...base, [setting.env]: setting.example } });
        // Encryption keys are secrets: their source names the variable, never the value.
        const shownValue = setting.key === "mfa.encryptionKeys" ? "***" : setting.example;
        assert.equal(
          config.sources[setting.key],
          `${setting.env}=${JSON.stringify(shownValue)} (environment)`,
          setting.env,
        );
      }
    });
  });
});

describe("loadServerConfig() for PostgreSQL, Redis and the session cache", () => {
  it("reads the store URLs, the cluster nodes, the cache settings and the worker count", () => {
    inTempDir((cwd) => {
      const config = loadServerConfig({
        cwd,
        env: {
          LATCHKEY_DATABASE_URL: "postgres://app:pw@db.internal:5432/auth",
          LATCHKEY_REDIS_CLUSTER_NODES: "10.0.0.1:6379, redis://10.0.0.2:6379",
          LATCHKEY_SESSION_CACHE_ENABLED: "yes",
          LATCHKEY_SESSION_CACHE_MAX_ENTRIES: "500",
          LATCHKEY_WORKERS: "4",
        },
      });
      assert.equal(config.databaseUrl, "postgres://app:pw@db.internal:5432/auth");
      assert.equal(config.redisUrl, null);
      assert.deepEqual(config.redisClusterNodes, ["10.0.0.1:6379", "redis://10.0.0.2:6379"]);
      assert.equal(config.redisKeyPrefix, "latchkey");
      assert.deepEqual(config.latchkey.sessionCache, { enabled: true, maxEntries: 500 });
      assert.equal(config.workers, 4);
    });
  });

  it("turns the session cache on by default with Redis or PostgreSQL, and leaves it off when told so", () => {
    inTempDir((cwd) => {
      for (const env of [
        { LATCHKEY_DATABASE_URL: "postgres://latchkey@127.0.0.1/latchkey" },
        { LATCHKEY_REDIS_URL: "redis://127.0.0.1:6379" },
        { LATCHKEY_REDIS_CLUSTER_NODES: "10.0.0.1:6379" },
      ]) {
        assert.deepEqual(loadServerConfig({ cwd, env }).latchkey.sessionCache, { enabled: true }, JSON.stringify(env));
        assert.deepEqual(
          loadServerConfig({ cwd, env: { ...env, LATCHKEY_SESSION_CACHE_ENABLED: "false" } }).latchkey.sessionCache,
          { enabled: false },
        );
      }
      const leases = loadServerConfig({
        cwd,
        env: { LATCHKEY_REDIS_URL: "redis://127.0.0.1:6379", LATCHKEY_SESSION_CACHE_LEASE_PERIOD_MS: "3000" },
      });
      assert.deepEqual(leases.latchkey.sessionCache, { enabled: true, leasePeriodMs: 3_000 });
    });
  });

  it("defaults to SQLite alone, one process and no cache", () => {
    inTempDir((cwd) => {
      const config = loadServerConfig({ cwd, env: {} });
      assert.equal(config.databaseUrl, null);
      assert.equal(config.redisUrl, null);
      assert.deepEqual(config.redisClusterNodes, []);
      assert.equal(config.workers, 1);
      assert.equal(config.latchkey.sessionCache, undefined);
    });
  });

  it("refuses a session cache without Redis or PostgreSQL, and both redisUrl and redisClusterNodes", () => {
    inTempDir((cwd) => {
      const problems = problemsOf(() => loadServerConfig({ cwd, env: { LATCHKEY_SESSION_CACHE_ENABLED: "true" } }));
      assert.ok(
        problems.some((p) =>
          /^LATCHKEY_SESSION_CACHE_ENABLED="true" \(environment\): sessionCache.enabled needs redisUrl, redisClusterNodes or databaseUrl/.test(
            p,
          ),
        ),
        problems.join("\n"),
      );
      const both = problemsOf(() =>
        loadServerConfig({
          cwd,
          env: { LATCHKEY_REDIS_URL: "redis://a:6379", LATCHKEY_REDIS_CLUSTER_NODES: "b:6379" },
        }),
      );
      assert.ok(
        both.some((p) =>
          p.includes("set redisUrl (one Redis server) or redisClusterNodes (a Redis Cluster), not both"),
        ),
        both.join("\n"),
      );
    });
  });

  it("refuses URLs of the wrong kind without ever echoing a password", () => {
    inTempDir((cwd) => {
      const problems = problemsOf(() =>
        loadServerConfig({
          cwd,
          env: {
            LATCHKEY_REDIS_URL: "http://user:hunter2@cache:6379",
            LATCHKEY_DATABASE_URL: "mysql://root:hunter2@db/x",
            LATCHKEY_REDIS_KEY_PREFIX: "a{b}",
          },
        }),
      );
      assert.ok(
        problems.some((p) =>
          p.startsWith('LATCHKEY_REDIS_URL="http://user:***@cache:6379" (environment): must be a Redis URL'),
        ),
        problems.join("\n"),
      );
      assert.ok(
        problems.some((p) =>
          p.startsWith('LATCHKEY_DATABASE_URL="mysql://root:***@db/x" (environment): must be a PostgreSQL URL'),
        ),
        problems.join("\n"),
      );
      assert.ok(
        problems.some((p) => p.startsWith("LATCHKEY_REDIS_KEY_PREFIX")),
        problems.join("\n"),
      );
      assert.ok(!problems.join("\n").includes("hunter2"));
    });
  });

  it("names a URL's source without its password", () => {
    inTempDir((cwd) => {
      const config = loadServerConfig({ cwd, env: { LATCHKEY_REDIS_URL: "redis://:s3cret@cache:6379/0" } });
      assert.equal(config.redisUrl, "redis://:s3cret@cache:6379/0");
      assert.equal(config.sources.redisUrl, 'LATCHKEY_REDIS_URL="redis://:***@cache:6379/0" (environment)');
    });
  });
});

describe("redactUrl()", () => {
  it("masks the password of a URL and keeps the rest as written", () => {
    assert.equal(redactUrl("redis://:s3cret@cache:6379/0"), "redis://:***@cache:6379/0");
    assert.equal(
      redactUrl("postgres://app:p%40ss@db.internal:5432/auth?sslmode=require"),
      "postgres://app:***@db.internal:5432/auth?sslmode=require",
    );
    assert.equal(
      redactUrl("postgresql://app:pa@ss@db/auth"),
      "postgresql://app:***@db/auth",
      "an unencoded @ in the password",
    );
  });

  it("leaves URLs without a password, and other text, alone", () => {
    for (const text of ["redis://cache:6379", "postgres://app@db/auth", "10.0.0.1:6379", "not a url"])
      assert.equal(redactUrl(text), text);
  });
});

describe("docs/configuration.md", () => {
  it("documents every environment variable in ENV_VARS, with its config-file key", () => {
    const doc = readFileSync(join(REPO_ROOT, "docs", "configuration.md"), "utf8");
    for (const variable of ENV_VARS) {
      assert.ok(doc.includes(`\`${variable.name}\``), `${variable.name} is not in docs/configuration.md`);
      if (variable.key !== null)
        assert.ok(doc.includes(`\`${variable.key}\``), `${variable.key} is not in docs/configuration.md`);
    }
  });
});
