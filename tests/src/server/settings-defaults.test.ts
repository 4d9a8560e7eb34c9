import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ACCOUNT_DEFAULTS, CORE_DEFAULTS, createLatchkey, DEFAULTS, type ResolvedConfig } from "@latchkey/core";
import { ALL_DEFAULTS, defaultAt, defaultText, loadServerConfig, SERVER_DEFAULTS, SETTINGS } from "@latchkey/server";
import { memoryStores } from "@latchkey/store-memory";
import { REPO_ROOT, tempDir } from "./latchkey-process.js";

/**
 * Settings whose default is derived (from other settings, the machine; the passkey origins and relying party from
 * `publicOrigin`, the MFA issuer from `mail.productName`; no MFA key unless one is set; the ready server caches
 * sessions when it has Redis or PostgreSQL), so the table states it as text.
 */
const DERIVED = new Set([
  "database",
  "throttle.maxConcurrentChecks",
  "compat",
  "passkeys.origins",
  "passkeys.rpId",
  "passkeys.rpName",
  "mfa.issuer",
  "mfa.encryptionKeys",
  "sessionCache.enabled",
]);

/**
 * Defaults the resolver stores in another form than the option's (a header value, a Set, a
 * number of hops, paths under basePath): each maps the default to what the config holds.
 */
const TRANSFORMED: Readonly<Record<string, (config: ResolvedConfig) => unknown>> = {
  allowInsecure: () => DEFAULTS.allowInsecure, // steers start-up checks only; not kept
  trustedOrigins: (config) => [...config.trustedOrigins],
  "cors.allowHeaders": (config) => config.cors.allowHeaders.split(", ").slice(4), // extras after the four always allowed
  "cors.exposeHeaders": (config) => config.cors.exposeHeaders.split(", ").slice(2), // extras after the two always exposed
  trustProxy: (config) => (config.trustProxy === 0 ? false : config.trustProxy),
  clearSiteDataOnLogout: (config) =>
    (config.clearSiteDataOnLogout ?? "").split(", ").map((d) => JSON.parse(d) as string),
};

/** Every leaf of a defaults object as [dotted key, value]; lists and by-mode pairs are leaves. */
function leaves(value: unknown, prefix = ""): [string, unknown][] {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return [[prefix, value]];
  const keys = Object.keys(value);
  if (keys.sort().join() === "development,production") return [[prefix, value]];
  return keys.flatMap((key) => leaves((value as Record<string, unknown>)[key], prefix ? `${prefix}.${key}` : key));
}

function at(value: unknown, key: string): unknown {
  return key.split(".").reduce<unknown>((v, part) => (v as Record<string, unknown> | undefined)?.[part], value);
}

describe("the defaults object (DEFAULTS, SERVER_DEFAULTS)", () => {
  it("is frozen all the way down, so no caller can change a default for everyone", () => {
    for (const [key] of leaves(ALL_DEFAULTS)) {
      const parent = key.includes(".") ? at(ALL_DEFAULTS, key.slice(0, key.lastIndexOf("."))) : ALL_DEFAULTS;
      assert.ok(Object.isFrozen(parent), `the object holding ${key} is frozen`);
    }
    assert.ok(Object.isFrozen(DEFAULTS) && Object.isFrozen(SERVER_DEFAULTS));
  });

  it("joins the area objects, keeping ACCOUNT_DEFAULTS and CORE_DEFAULTS as they are", () => {
    assert.equal(DEFAULTS.accounts, ACCOUNT_DEFAULTS.accounts);
    assert.equal(DEFAULTS.session, CORE_DEFAULTS.session);
    assert.equal(DEFAULTS.mail, ACCOUNT_DEFAULTS.mail);
  });

  it("is what createLatchkey() fills in for every setting left out, in development and production", () => {
    const { config } = createLatchkey({ stores: memoryStores() });
    const production = createLatchkey({ stores: memoryStores(), mode: "production" }).config;
    for (const [key, value] of leaves(DEFAULTS)) {
      if (DERIVED.has(key)) continue;
      if (key.startsWith("routes.")) {
        const served = at(config, key) as readonly string[];
        // A route is served at basePath + its default path (kept without its final slash, matched
        // with or without), or turned off with its feature (sign-up is off by default).
        const expected = `${DEFAULTS.basePath}${value as string}`.replace(/\/+$/, "");
        assert.ok(served.length === 0 || served[0] === expected, `${key}: ${served.join()} is not ${expected}`);
        continue;
      }
      const transform = TRANSFORMED[key];
      if (transform !== undefined) {
        assert.deepEqual(transform(config), value, `${key}: the resolved config differs from DEFAULTS`);
        continue;
      }
      if (typeof value === "object" && value !== null && "production" in value && "development" in value) {
        assert.equal(at(config, key), value.development, `${key} in development`);
        assert.equal(at(production, key), value.production, `${key} in production`);
        continue;
      }
      assert.deepEqual(
        at(config, key),
        value,
        `${key}: the resolved config holds ${JSON.stringify(at(config, key))}, DEFAULTS says ${JSON.stringify(value)}`,
      );
    }
    assert.deepEqual(config.routes.login, ["/api/login"]);
  });

  it("is what the ready server fills in for its own settings", () => {
    const dir = tempDir("latchkey-defaults-");
    try {
      const config = loadServerConfig({ cwd: dir.path, env: {} });
      assert.equal(config.host, SERVER_DEFAULTS.host);
      assert.equal(config.port, SERVER_DEFAULTS.port);
      assert.equal(config.dataDir, join(dir.path, SERVER_DEFAULTS.dataDir));
      assert.equal(config.databaseUrl, SERVER_DEFAULTS.databaseUrl);
      assert.equal(config.redisUrl, SERVER_DEFAULTS.redisUrl);
      assert.deepEqual(config.redisClusterNodes, SERVER_DEFAULTS.redisClusterNodes);
      assert.equal(config.redisKeyPrefix, SERVER_DEFAULTS.redisKeyPrefix);
      assert.equal(config.workers, SERVER_DEFAULTS.workers);
      assert.equal(config.spaDir, SERVER_DEFAULTS.spaDir);
      assert.equal(config.mode, DEFAULTS.mode);
      assert.equal(config.migrateOnStart, SERVER_DEFAULTS.migrateOnStart);
      assert.equal(config.logLevel, SERVER_DEFAULTS.logLevel);
      assert.equal(config.shutdownTimeoutSeconds, SERVER_DEFAULTS.shutdownTimeoutSeconds);
      assert.equal(config.mailUrl, SERVER_DEFAULTS.mail.url);
    } finally {
      dir.cleanup();
    }
  });

  it("is what the ready server's settings table states, for every setting that has a value as default", () => {
    for (const setting of SETTINGS) {
      const value = defaultAt(setting.key);
      if (DERIVED.has(setting.key)) {
        assert.ok(setting.default.length > 0, `${setting.key} states its derived default`);
        continue;
      }
      assert.notEqual(value, undefined, `${setting.key} has a default in DEFAULTS or SERVER_DEFAULTS`);
      const text = defaultText(value, setting.unit);
      assert.ok(
        setting.default === text || setting.default.startsWith(`${text} (`),
        `${setting.key}: the settings table says ${setting.default}, the defaults object ${text}`,
      );
    }
  });

  it("is what docs/configuration.md states, row by row", () => {
    const doc = readFileSync(join(REPO_ROOT, "docs", "configuration.md"), "utf8").split("\n");
    for (const setting of SETTINGS) {
      const row = doc.find((line) => line.startsWith(`| \`${setting.key}\` | \`${setting.env}\` |`));
      assert.ok(row, `docs/configuration.md has a row for ${setting.key}`);
      const cells = row.split(" | ");
      assert.equal(
        cells[3],
        setting.default,
        `${setting.key}: docs/configuration.md states the default ${cells[3]}, the settings table ${setting.default}`,
      );
      assert.equal(cells[4], setting.unit ?? "—", `${setting.key}: docs/configuration.md states the unit ${cells[4]}`);
    }
  });

  it("writes durations with their unit, so 1209600 seconds reads as 2 weeks", () => {
    assert.equal(defaultText(1_209_600, "seconds"), "1209600 (2 weeks)");
    assert.equal(defaultText(3600, "seconds"), "3600 (1 hour)");
    assert.equal(defaultText(60, "seconds"), "60");
    assert.equal(defaultText(16_384, "bytes"), "16384");
    assert.equal(defaultText({ development: false, production: true }, null), "true in production, false otherwise");
    assert.equal(defaultText(null, null), "unset");
    assert.equal(defaultText(["cache", "cookies"], null), '["cache", "cookies"]');
  });
});
