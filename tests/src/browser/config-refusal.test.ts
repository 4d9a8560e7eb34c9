// A misconfiguration of mode D that needs no browser: latchkey refuses to start with it.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { serveExpectingRefusal } from "./harness/latchkey-api.js";

describe("misconfigured D: SameSite=None without Secure", () => {
  it("is refused at start-up: latchkey serve exits with status 1 and names the setting", async () => {
    const dir = mkdtempSync(join(tmpdir(), "latchkey-browser-samesite-none-"));
    try {
      const result = await serveExpectingRefusal(dir, {
        LATCHKEY_COOKIES_SAME_SITE: "none",
        LATCHKEY_COOKIES_SECURE: "never",
      });
      assert.equal(result.code, 1, result.output);
      assert.match(result.output, /invalid configuration/);
      assert.match(
        result.output,
        /cookies\.sameSite: "none" requires Secure cookies, but cookies\.secure is "never" \(browsers drop such cookies\)/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
