import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ACCOUNT_DEFAULTS, createLatchkey } from "@latchkey/core";
import { SETTINGS } from "@latchkey/server";
import { memoryStores } from "@latchkey/store-memory";
import { REPO_ROOT } from "./latchkey-process.js";

/** Each documented account setting and the default it must state, from the one defaults object. */
const DOCUMENTED: Readonly<Record<string, string>> = {
  "signup.enabled": String(ACCOUNT_DEFAULTS.signup.enabled),
  "signup.emailVerification": `"${ACCOUNT_DEFAULTS.signup.emailVerification}"`,
  "login.identifiers": JSON.stringify(ACCOUNT_DEFAULTS.login.identifiers),
  "accounts.verificationKeyTtlSeconds": String(ACCOUNT_DEFAULTS.accounts.verificationKeyTtlSeconds),
  "accounts.resetKeyTtlSeconds": String(ACCOUNT_DEFAULTS.accounts.resetKeyTtlSeconds),
  "accounts.emailChangeKeyTtlSeconds": String(ACCOUNT_DEFAULTS.accounts.emailChangeKeyTtlSeconds),
  "accounts.reauthenticationWindowSeconds": String(ACCOUNT_DEFAULTS.accounts.reauthenticationWindowSeconds),
  "accounts.verifyEmailLinkPath": `"${ACCOUNT_DEFAULTS.accounts.verifyEmailLinkPath}"`,
  "accounts.resetPasswordLinkPath": `"${ACCOUNT_DEFAULTS.accounts.resetPasswordLinkPath}"`,
  "mail.from": `"${ACCOUNT_DEFAULTS.mail.from}"`,
  "mail.productName": `"${ACCOUNT_DEFAULTS.mail.productName}"`,
};

describe("ACCOUNT_DEFAULTS", () => {
  it("is what the resolver fills in", () => {
    const { config } = createLatchkey({ stores: memoryStores() });
    assert.equal(config.signup.enabled, ACCOUNT_DEFAULTS.signup.enabled);
    assert.equal(config.signup.emailVerification, ACCOUNT_DEFAULTS.signup.emailVerification);
    assert.equal(config.accounts.resetKeyTtlSeconds, ACCOUNT_DEFAULTS.accounts.resetKeyTtlSeconds);
    assert.equal(config.accounts.reauthenticationWindowSeconds, ACCOUNT_DEFAULTS.accounts.reauthenticationWindowSeconds);
    assert.equal(config.mail.from, ACCOUNT_DEFAULTS.mail.from);
  });

  it("is what the ready server's settings table and docs/configuration.md state", () => {
    const doc = readFileSync(join(REPO_ROOT, "docs", "configuration.md"), "utf8");
    for (const [key, value] of Object.entries(DOCUMENTED)) {
      const setting = SETTINGS.find((s) => s.key === key);
      assert.ok(setting, `${key} is in the settings table`);
      assert.ok(setting.default.startsWith(value), `${key}: the settings table says ${setting.default}, ACCOUNT_DEFAULTS says ${value}`);
      const row = doc.split("\n").find((line) => line.startsWith(`| \`${key}\` |`));
      assert.ok(row?.includes(`| ${value}`), `${key}: docs/configuration.md does not state the default ${value}`);
    }
  });
});
