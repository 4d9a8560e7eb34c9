// The proof that latchkey installs from a registry: a throwaway verdaccio on loopback gets
// every public package (packed from this tree by `npm pack`, whose prepack builds it) and the
// third-party packages they and the consumers need (the original tarballs from npm's cache),
// then consumers in temporary folders outside this repository install from it alone and run
// the README's quick starts, `npx latchkey serve`, a Vite build and strict type checks.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { createTestClient } from "@latchkey/testkit";
import {
  consumerEnv,
  initConsumer,
  logStep,
  mustRun,
  publisherEnv,
  run,
  startPrebuiltMirror,
  startUntil,
} from "./consumer.js";
import { startLocalRegistry, type LocalRegistry } from "./local-registry.js";
import { compareVersions, thirdPartyClosure, thirdPartyManifest, thirdPartyTarball } from "./third-party.js";
import {
  CJS_SCRIPT,
  QUICK_STARTS,
  readmeClientSnippet,
  SEED_SCRIPT,
  strictConfig,
  VITE_APP_INSTALL,
} from "./consumer-files.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const PASSWORD = "correct horse battery staple";

/** Every workspace under packages/ that is not private, by folder. */
function publicPackages(): { dir: string; name: string; manifest: Record<string, unknown> }[] {
  return readdirSync(join(root, "packages"))
    .map((dir) => ({
      dir,
      manifest: JSON.parse(readFileSync(join(root, "packages", dir, "package.json"), "utf8")) as Record<
        string,
        unknown
      >,
    }))
    .filter(({ manifest }) => manifest.private !== true)
    .map(({ dir, manifest }) => ({ dir, name: String(manifest.name), manifest }));
}

/** The third-party packages the consumers below install themselves (besides latchkey's dependencies). */
const CONSUMER_TOOLS: readonly (readonly [string, string])[] = [
  ["tests", "express"],
  ["tests", "fastify"],
  ["tests", "hono"],
  ["tests", "@hono/node-server"],
  ["", "typescript"],
  ["", "@types/node"],
  ["examples/react-spa", "vite"],
  ["examples/react-spa", "@vitejs/plugin-react"],
  ["examples/react-spa", "react"],
  ["examples/react-spa", "react-dom"],
  ["examples/react-spa", "@types/react"],
  ["examples/react-spa", "@types/react-dom"],
];

describe("latchkey installed from a registry, in folders outside this repository", () => {
  const base = mkdtempSync(join(tmpdir(), "latchkey-registry-"));
  let registry: LocalRegistry | undefined;
  let mirror: Awaited<ReturnType<typeof startPrebuiltMirror>> | undefined;
  let env: Record<string, string> = {};
  const packed: { name: string; files: string[] }[] = [];
  const installs: Record<"serve" | "vite", Promise<string>> = {
    serve: Promise.reject(new Error("not started")),
    vite: Promise.reject(new Error("not started")),
  };
  for (const pending of Object.values(installs)) pending.catch(() => undefined);
  /** Each quick start's own folder, by quick start name: a separate outside project per README install line. */
  const quickStartInstalls = new Map<string, Promise<string>>();
  function quickStartFolder(name: string): Promise<string> {
    return quickStartInstalls.get(name) ?? Promise.reject(new Error(`the ${name} quick start was not installed`));
  }

  /** `npm install <packages>` in a fresh folder `name` under the temporary base; resolves with the folder. */
  function install(name: string, packages: readonly string[]): Promise<string> {
    const dir = join(base, name);
    initConsumer(dir, name);
    const done = mustRun("npm", ["install", ...packages], dir, env).then(() => dir);
    done.catch(() => undefined);
    return done;
  }

  before(async () => {
    let since = performance.now();
    mirror = await startPrebuiltMirror(root);
    // Third-party packages: the lockfile's closure of what latchkey and the consumers need,
    // original tarballs from npm's cache, placed in the registry's storage before it starts.
    const packages = publicPackages();
    const wanted: [string, string][] = CONSUMER_TOOLS.map(([from, name]): [string, string] => [from, name]);
    for (const { dir, manifest } of packages) {
      for (const field of ["dependencies", "peerDependencies"] as const) {
        for (const dep of Object.keys((manifest[field] ?? {}) as Record<string, string>)) {
          if (dep !== "latchkey" && !dep.startsWith("@latchkey/")) wanted.push([`packages/${dir}`, dep]);
        }
      }
    }
    const seed = thirdPartyClosure(root, wanted).map((pkg) => ({
      manifest: thirdPartyManifest(pkg),
      tarball: thirdPartyTarball(pkg).tarball,
    }));
    registry = await startLocalRegistry(join(base, "registry"), seed, compareVersions);
    env = consumerEnv(base, registry.url, mirror.url);
    logStep(`mirror, ${seed.length} third-party packages seeded, registry started`, since);

    // latchkey's own packages, the way a release makes them: `npm pack` (prepack builds),
    // then `npm publish` of each tarball.
    const workspaces = packages.flatMap(({ name }) => ["-w", name]);
    // One `npm publish` for every public workspace: prepack builds each, npm packs and uploads.
    await mustRun("npm", ["publish", ...workspaces], root, publisherEnv(base, env, registry.authLine));
    // What the registry now serves: each package's tarball, listed.
    since = performance.now();
    for (const { name, manifest } of packages) {
      const packument = (await (await fetch(`${registry.url}${name.replace("/", "%2f")}`)).json()) as {
        versions: Record<string, { dist: { tarball: string } }>;
      };
      const entry = packument.versions[String(manifest.version)];
      assert.ok(entry !== undefined, `${name}@${String(manifest.version)} is on the registry`);
      const tgz = join(base, `${name.replace("/", "-")}.tgz`);
      writeFileSync(tgz, Buffer.from(await (await fetch(entry.dist.tarball)).arrayBuffer()));
      const list = execFileSync("tar", ["-tzf", tgz], { encoding: "utf8" });
      packed.push({
        name,
        files: list
          .split("\n")
          .filter((f) => f !== "")
          .map((f) => f.replace(/^package\//, "")),
      });
    }
    logStep("published tarballs fetched and listed", since);

    // The consumer installs run side by side (npm mostly waits on requests and disk); each test
    // awaits the one it needs, so a failed install fails that test with npm's output. Each
    // quick start gets a fresh folder of its own with only its documented install line (plus
    // the TypeScript compiler that checks it): a package one line forgets cannot be supplied
    // by another line's install, as it could in a shared folder.
    for (const quick of QUICK_STARTS) {
      quickStartInstalls.set(
        quick.name,
        install(`quick-start-${quick.name}`, [...quick.install, "typescript", "@types/node"]),
      );
    }
    installs.serve = install("serve", ["latchkey"]);
    installs.vite = install("vite-app", VITE_APP_INSTALL);
  });

  after(async () => {
    await registry?.close();
    await mirror?.close();
    rmSync(base, { recursive: true, force: true });
  });

  it("publishes every public package with only its build, its sources for the source maps, README, LICENSE and package.json", () => {
    assert.deepEqual(
      packed.map((p) => p.name).sort(),
      publicPackages()
        .map((p) => p.name)
        .sort(),
    );
    for (const { name, files } of packed) {
      const set = new Set(files);
      for (const required of ["package.json", "README.md", "LICENSE", "dist/index.js", "dist/index.d.ts"])
        assert.ok(set.has(required), `${name} lacks ${required}`);
      for (const file of files) {
        assert.match(
          file,
          /^(package\.json|README\.md|LICENSE|dist\/.+|src\/.+\.tsx?|bin\/latchkey\.js)$/,
          `${name} ships ${file}`,
        );
        assert.doesNotMatch(file, /\.test\.|tsbuildinfo/, `${name} ships a test or build file: ${file}`);
        // A clean build: every compiled file comes from a source file that ships too.
        const source = /^dist\/(.+?)\.(js|d\.ts)(\.map)?$/.exec(file);
        if (source?.[1] !== undefined) {
          assert.ok(
            set.has(`src/${source[1]}.ts`) || set.has(`src/${source[1]}.tsx`),
            `${name}: ${file} has no source (a stale build output?)`,
          );
        }
      }
    }
  });

  /** Each quick start's folder once its file compiled (node16) and type-checked (bundler), by name. */
  const compiled = new Map<string, Promise<string>>();
  function compileQuickStart(name: string): Promise<string> {
    let done = compiled.get(name);
    if (done === undefined) {
      done = (async () => {
        // The file alone in its own project: it must compile against its own install line.
        const dir = await quickStartFolder(name);
        cpSync(join(root, "examples", "adapters", `${name}.ts`), join(dir, `${name}.ts`));
        writeFileSync(join(dir, "tsconfig.json"), strictConfig("node16", [`${name}.ts`]));
        writeFileSync(join(dir, "tsconfig.bundler.json"), strictConfig("bundler", [`${name}.ts`]));
        // Both configurations in one `tsc -b` run: two programs, each checked in full (every
        // declaration file, under its own resolution, errors from either fail the run), but
        // the declaration files are read and parsed once: about a quarter less CPU than two
        // `tsc -p` runs.
        await mustRun("npx", ["tsc", "-b", "tsconfig.json", "tsconfig.bundler.json"], dir, env);
        writeFileSync(join(dir, "seed.mjs"), SEED_SCRIPT);
        return dir;
      })();
      done.catch(() => undefined);
      compiled.set(name, done);
    }
    return done;
  }

  it("the four quick starts, each in its own folder with only its install line, type-check with skipLibCheck off, under node16 and bundler resolution", async () => {
    const dirs = await Promise.all(QUICK_STARTS.map(({ name }) => compileQuickStart(name)));
    assert.equal(new Set(dirs).size, QUICK_STARTS.length, "one folder per quick start");
    QUICK_STARTS.forEach(({ name }, i) => {
      const dir = dirs[i] ?? "";
      assert.ok(existsSync(join(dir, "dist", `${name}.js`)), `${name}.ts compiled`);
      // Its project depends on its install line and the compiler, nothing another line brought.
      const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
        dependencies?: Record<string, string>;
      };
      const install = QUICK_STARTS[i]?.install ?? [];
      assert.deepEqual(
        Object.keys(manifest.dependencies ?? {}).sort(),
        [...install, "typescript", "@types/node"].sort(),
      );
    });
  });

  for (const quick of QUICK_STARTS) {
    it(`${quick.name}: the README quick start, installed from the registry, logs in, protects its route and refuses a POST without the CSRF token`, async () => {
      const dir = await compileQuickStart(quick.name);
      writeFileSync(join(dir, "seed.mjs"), SEED_SCRIPT);
      const database = join(dir, `${quick.name}.sqlite3`);
      await mustRun("node", ["seed.mjs", database, "alice", PASSWORD], dir, env);
      const server = await startUntil(
        "node",
        [`dist/${quick.name}.js`],
        dir,
        { ...env, PORT: "0", DATABASE_PATH: database },
        /listening on (http:\/\/\S+)/,
      );
      try {
        const client = createTestClient(String(server.match[1]).replace(/\/$/, ""));
        const anonymous = await client.get("/api/hello/");
        assert.equal(anonymous.status, 401);
        const login = await client.login("alice", PASSWORD);
        assert.equal(login.status, 200, login.text);
        const whoami = await client.get("/api/whoami/");
        assert.equal(whoami.status, 200, whoami.text);
        assert.match(whoami.text, /"alice"/);
        assert.deepEqual((await client.get("/api/hello/")).json, { hello: "alice" });
        const forged = await client.post("/api/notes/", { json: { text: "hi" } });
        assert.equal(forged.status, 403, forged.text);
        assert.equal(forged.json.code, "csrf_token_missing");
        const note = await client.post("/api/notes/", {
          json: { text: "hi" },
          headers: { "x-csrftoken": client.csrfToken ?? "" },
        });
        assert.equal(note.status, 201, note.text);
      } finally {
        await server.stop();
      }
    });
  }

  it("CommonJS code gets the ESM packages through require() on this Node (require(esm), Node 20.19+ and 22.12+)", async () => {
    const dir = await quickStartFolder("express");
    writeFileSync(join(dir, "check.cjs"), CJS_SCRIPT);
    const result = await mustRun("node", ["check.cjs"], dir, env);
    assert.deepEqual(JSON.parse(result.stdout), {
      createLatchkey: "function",
      latchkeyExpress: "function",
      sqliteStores: "function",
    });
  });

  it("npx latchkey migrate, createsuperuser and serve work in a fresh folder with only `npm install latchkey`, SQLite under ./data/", async () => {
    const dir = await installs.serve;
    await mustRun("npx", ["latchkey", "migrate"], dir, env);
    assert.ok(existsSync(join(dir, "data", "latchkey.sqlite3")), "migrate created ./data/latchkey.sqlite3");
    await mustRun(
      "npx",
      ["latchkey", "createsuperuser", "--noinput", "--username", "admin", "--email", "admin@example.com"],
      dir,
      {
        ...env,
        LATCHKEY_SUPERUSER_PASSWORD: PASSWORD,
      },
    );
    const server = await startUntil(
      "npx",
      ["latchkey", "serve", "--port", "0"],
      dir,
      env,
      /"event":"listening".*"url":"([^"]+)"/,
      true,
    );
    try {
      const client = createTestClient(String(server.match[1]).replace(/\/$/, ""));
      assert.equal((await client.get("/api/whoami/")).status, 401);
      const login = await client.login("admin", PASSWORD);
      assert.equal(login.status, 200, login.text);
      const whoami = await client.get("/api/whoami/");
      assert.equal(whoami.status, 200, whoami.text);
      assert.match(whoami.text, /"admin"/);
      const forged = await client.post("/api/logout/");
      assert.equal(forged.status, 403, forged.text);
    } finally {
      await server.stop();
    }
  });

  it("a Vite + React app (the example SPA's sources) imports @latchkey/client and @latchkey/react, type-checks strictly and builds", async () => {
    const dir = await installs.vite;
    const example = join(root, "examples", "react-spa");
    for (const file of ["index.html", "vite.config.ts", "src"])
      cpSync(join(example, file), join(dir, file), { recursive: true });
    const app = JSON.parse(readFileSync(join(example, "tsconfig.app.json"), "utf8")) as {
      compilerOptions: Record<string, unknown>;
    };
    const strict = {
      compilerOptions: { ...app.compilerOptions, skipLibCheck: false, tsBuildInfoFile: undefined },
      include: ["src"],
    };
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify(strict, null, 2));
    // The README's client snippet, also under node16 resolution.
    writeFileSync(join(dir, "client-usage.ts"), readmeClientSnippet(readFileSync(join(root, "README.md"), "utf8")));
    const node16 = JSON.parse(strictConfig("node16", [])) as { compilerOptions: Record<string, unknown> };
    const clientCheck = {
      compilerOptions: { ...node16.compilerOptions, lib: ["ES2022", "DOM", "DOM.Iterable"], types: [], noEmit: true },
      files: ["client-usage.ts"],
    };
    writeFileSync(join(dir, "tsconfig.node16.json"), JSON.stringify(clientCheck, null, 2));
    // Both checks in one `tsc -b` run (two programs; the shared declaration files parsed once).
    await mustRun("npx", ["tsc", "-b", "tsconfig.json", "tsconfig.node16.json"], dir, env);
    await mustRun("npx", ["vite", "build"], dir, env);
    const assets = readdirSync(join(dir, "dist", "assets")).filter((f) => f.endsWith(".js"));
    assert.ok(assets.length > 0, "vite wrote a JS bundle");
    const bundle = assets.map((f) => readFileSync(join(dir, "dist", "assets", f), "utf8")).join("\n");
    // Markers of what was bundled (assert.ok, not match: a failure must not print the bundle).
    assert.ok(bundle.includes("X-CSRFToken"), "the bundle holds @latchkey/client (and @latchkey/protocol's names)");
    assert.ok(bundle.includes("LatchkeyAuth"), "the bundle holds @latchkey/react");
  });

  it("installed everything from the local registry alone (and better-sqlite3's binary from the loopback mirror, not compiled)", async () => {
    assert.ok((mirror?.hits() ?? 0) > 0, "prebuild-install fetched from the mirror");
    // The serve folder and every quick start's own folder resolved every package from the
    // local registry; `npm ls` checks the serve folder's tree is complete and consistent (the
    // quick starts' trees compiled and ran above).
    const dirs = [await installs.serve, ...(await Promise.all(QUICK_STARTS.map(({ name }) => quickStartFolder(name))))];
    for (const dir of dirs) {
      const lock = readFileSync(join(dir, "package-lock.json"), "utf8");
      const resolved = [...lock.matchAll(/"resolved": "([^"]+)"/g)].map((m) => m[1] ?? "");
      assert.ok(resolved.length > 10, dir);
      for (const url of resolved)
        assert.ok(url.startsWith(registry?.url ?? "?"), `${dir}: resolved from elsewhere: ${url}`);
    }
    const npmLs = await run("npm", ["ls", "--all", "--json"], join(base, "serve"), env);
    assert.equal(npmLs.code, 0, npmLs.stderr);
  });
});
