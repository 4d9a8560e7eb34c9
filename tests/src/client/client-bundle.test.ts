import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

/** The compiled files of a package, found through its `exports` the way a bundler finds them. */
function distFiles(specifier: string): { dir: string; files: string[] } {
  const dir = dirname(fileURLToPath(import.meta.resolve(specifier)));
  return { dir, files: readdirSync(dir).filter((name) => name.endsWith(".js") && !name.includes(".test.")) };
}

const IMPORT = /(?:^|[\s;])(?:import|export)\s[^"']*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

describe("the browser bundles", () => {
  for (const [specifier, allowed] of [
    ["@latchkey/client", ["@latchkey/protocol"]],
    ["@latchkey/protocol", []],
    ["@latchkey/react", ["@latchkey/client", "react", "react/jsx-runtime"]],
  ] as const) {
    it(`${specifier} imports only its own files and ${allowed.length === 0 ? "nothing else" : allowed.join(", ")}, and no Node globals`, () => {
      const { dir, files } = distFiles(specifier);
      assert.ok(files.length > 0);
      for (const file of files) {
        const source = readFileSync(join(dir, file), "utf8");
        for (const match of source.matchAll(IMPORT)) {
          const target = match[1] ?? match[2] ?? "";
          const ok = target.startsWith("./") || (allowed as readonly string[]).includes(target);
          assert.ok(ok, `${specifier}/${file} imports ${target}`);
        }
        assert.doesNotMatch(
          source,
          /\bprocess\.|\bBuffer\.|\brequire\(|\b__dirname\b|["']node:/,
          `${specifier}/${file} uses a Node global or module`,
        );
      }
    });
  }
});
