import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { CACHE_DEFAULTS, createLatchkey, createLocalInvalidationBus } from "@latchkey/core";
import { SETTINGS } from "@latchkey/server";
import { memoryStores } from "@latchkey/store-memory";
import { REPO_ROOT } from "./latchkey-process.js";

const DOCUMENTED: Readonly<Record<string, number>> = {
  "sessionCache.leasePeriodMs": CACHE_DEFAULTS.leasePeriodMs,
  "sessionCache.renewIntervalMs": CACHE_DEFAULTS.renewIntervalMs,
  "sessionCache.driftMarginMs": CACHE_DEFAULTS.driftMarginMs,
};

describe("CACHE_DEFAULTS", () => {
  it("is what the resolver fills in", () => {
    const { config } = createLatchkey({
      stores: memoryStores(),
      sessionCache: { enabled: true },
      invalidationBus: createLocalInvalidationBus(),
    });
    assert.equal(config.sessionCache.leasePeriodMs, CACHE_DEFAULTS.leasePeriodMs);
    assert.equal(config.sessionCache.renewIntervalMs, CACHE_DEFAULTS.renewIntervalMs);
    assert.equal(config.sessionCache.driftMarginMs, CACHE_DEFAULTS.driftMarginMs);
  });

  it("is what the ready server's settings table and docs/configuration.md state, in milliseconds", () => {
    const doc = readFileSync(join(REPO_ROOT, "docs", "configuration.md"), "utf8");
    for (const [key, value] of Object.entries(DOCUMENTED)) {
      const setting = SETTINGS.find((s) => s.key === key);
      assert.ok(setting, `${key} is in the settings table`);
      assert.ok(
        setting.default.startsWith(String(value)),
        `${key}: the settings table says ${setting.default}, CACHE_DEFAULTS says ${value}`,
      );
      assert.equal(setting.unit, "milliseconds");
      const row = doc.split("\n").find((line) => line.startsWith(`| \`${key}\` |`));
      assert.ok(
        row?.includes(`| ${value}`) && row.includes("| milliseconds |"),
        `${key}: docs/configuration.md does not state the default ${value} ms`,
      );
    }
  });
});
