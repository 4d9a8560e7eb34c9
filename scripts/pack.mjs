// npm run pack: builds and packs every public package (packages/* that are not private)
// into ./tarballs/, the files `npm publish` would upload. Each package's prepack runs `tsc -b`.
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const out = join(root, "tarballs");
mkdirSync(out, { recursive: true });
const names = readdirSync(join(root, "packages"))
  .map((dir) => JSON.parse(readFileSync(join(root, "packages", dir, "package.json"), "utf8")))
  .filter((manifest) => manifest.private !== true)
  .map((manifest) => manifest.name);
execFileSync("npm", ["pack", "--pack-destination", out, ...names.flatMap((name) => ["-w", name])], {
  cwd: root,
  stdio: "inherit",
});
console.log(`\n${names.length} tarballs in ${out}`);
