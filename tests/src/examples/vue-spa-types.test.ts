// The root `tsc -b` cannot read .vue files, so this runs the Vue example's own type check
// with vue-tsc, its templates included, as `npm run typecheck -w @latchkey/example-vue-spa` does
// (one project at a time, not `-b`: the packages it references are already built and stay as they are).
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runToEnd } from "../browser/harness/child-process.js";
import { VUE_SPA_SOURCE } from "../browser/harness/spa.js";
import { REPO_ROOT } from "../server/latchkey-process.js";

const VUE_TSC = join(REPO_ROOT, "node_modules", "vue-tsc", "bin", "vue-tsc.js");

describe("examples/vue-spa", () => {
  it("type-checks with vue-tsc, its templates and vite.config.ts included, against the built @latchkey/vue types", async () => {
    for (const project of ["tsconfig.app.json", "tsconfig.node.json"]) {
      const result = await runToEnd(process.execPath, [VUE_TSC, "-p", project], { cwd: VUE_SPA_SOURCE, env: {} });
      assert.equal(result.code, 0, `vue-tsc -p ${project} failed:\n${result.output}`);
    }
  });
});
