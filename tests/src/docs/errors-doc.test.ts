import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, it } from "node:test";
import { ERRORS } from "@latchkey/protocol";
import { REPO_ROOT } from "../server/latchkey-process.js";

/** The rows of docs/errors.md's table: code → status. */
function documentedCodes(): Map<string, number> {
  const doc = readFileSync(join(REPO_ROOT, "docs", "errors.md"), "utf8");
  const rows = new Map<string, number>();
  for (const match of doc.matchAll(/^\| `([a-z_]+)` \| (\d{3}) \|/gm)) rows.set(match[1] ?? "", Number(match[2]));
  return rows;
}

/**
 * The server-side sources that may produce an error: every package's `src`, without tests,
 * without the catalogue itself, and without the browser packages (client, react), which
 * only read codes the server sent.
 */
function producerSources(): { file: string; text: string }[] {
  const out: { file: string; text: string }[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith(".ts") && !name.includes(".test."))
        out.push({ file: relative(REPO_ROOT, path), text: readFileSync(path, "utf8") });
    }
  };
  const packages = join(REPO_ROOT, "packages");
  for (const name of readdirSync(packages)) {
    if (name === "client" || name === "react") continue;
    const src = join(packages, name, "src");
    if (statSync(src, { throwIfNoEntry: false })?.isDirectory() === true) walk(src);
  }
  return out.filter((source) => source.file !== join("packages", "protocol", "src", "errors.ts"));
}

describe("the error catalogue and docs/errors.md", () => {
  it("documents every code of the catalogue, with its status", () => {
    const documented = documentedCodes();
    for (const [code, entry] of Object.entries(ERRORS)) {
      assert.ok(documented.has(code), `${code} is not in docs/errors.md`);
      assert.equal(
        documented.get(code),
        entry.status,
        `docs/errors.md gives ${code} another status than the catalogue`,
      );
    }
  });

  it("documents no code the catalogue does not have", () => {
    for (const code of documentedCodes().keys())
      assert.ok(Object.hasOwn(ERRORS, code), `docs/errors.md lists ${code}, which is not in the catalogue`);
  });

  it("has no code that nothing produces", () => {
    const sources = producerSources();
    assert.ok(sources.length > 50, "the package sources were found");
    for (const code of Object.keys(ERRORS)) {
      // A string literal, not a mention in a comment (those are written in backticks).
      const quoted = new RegExp(`["']${code}["']`);
      assert.ok(
        sources.some((source) => quoted.test(source.text)),
        `${code} is in the catalogue but no server-side source produces it: remove it from packages/protocol/src/errors.ts and docs/errors.md`,
      );
    }
  });
});
