import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { basename, join } from "node:path";
import { createInterface } from "node:readline";

/** What a finished command printed. */
export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The environment of every npm/npx/node run in a consumer folder: PATH, a HOME, user and
 * global npmrc and a cache of its own (so nothing reads or writes the user's npm config or
 * cache), the local registry, and the prebuilt-binary mirror. No npm_* variable of the npm
 * that runs these tests leaks in.
 *
 * Consumers install anonymously, as from a public registry: no publish token in this npmrc
 * (see publisherEnv). With a token, npm sends it on every request, and verdaccio checks it
 * against its htpasswd file each time (bcryptjs, pure JavaScript, in the test's own process):
 * about 32 s of CPU for one quick start's install, which made the installs wait on the registry.
 * The consumers share one npm cache: the tarballs are identical, so what one install fetched
 * the others read from disk.
 */
export function consumerEnv(base: string, registryUrl: string, mirrorUrl: string): Record<string, string> {
  mkdirSync(join(base, "home"), { recursive: true });
  const npmrc = join(base, "npmrc");
  writeFileSync(npmrc, npmrcText(registryUrl, ""));
  const globalrc = join(base, "global-npmrc");
  writeFileSync(globalrc, "");
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: join(base, "home"),
    npm_config_userconfig: npmrc,
    npm_config_globalconfig: globalrc,
    npm_config_cache: join(base, "npm-cache"),
    npm_config_registry: registryUrl,
    // Where this machine's Node headers are, for a native addon that has to compile (the
    // machine's own npm config says so; the temporary npmrc above replaces that config).
    ...nodeDir(),
    // better-sqlite3's install script (prebuild-install) fetches its prebuilt binary from here.
    npm_config_better_sqlite3_binary_host: mirrorUrl,
  };
}

function npmrcText(registryUrl: string, authLine: string): string {
  const auth = authLine === "" ? "" : `${authLine}\n`;
  return `registry=${registryUrl}\n${auth}audit=false\nfund=false\nupdate-notifier=false\nloglevel=warn\nprefer-offline=true\n`;
}

/** consumerEnv plus the registry's publish token (`authLine`), for `npm publish` only. */
export function publisherEnv(
  base: string,
  env: Readonly<Record<string, string>>,
  authLine: string,
): Record<string, string> {
  const npmrc = join(base, "publisher-npmrc");
  writeFileSync(npmrc, npmrcText(env.npm_config_registry ?? "", authLine));
  return { ...env, npm_config_userconfig: npmrc };
}

function nodeDir(): Record<string, string> {
  const dir = execFileSync("npm", ["config", "get", "nodedir"], { encoding: "utf8" }).trim();
  return dir === "" || dir === "undefined" || dir === "null" ? {} : { npm_config_nodedir: dir };
}

/** Runs a command to completion in `cwd`. */
export function run(
  command: string,
  args: readonly string[],
  cwd: string,
  env: Readonly<Record<string, string>>,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const started = performance.now();

/**
 * Prints how long a step took and when it ended (seconds since this module loaded), one line
 * per step, so a slow CI run shows which install, compile or build was the long pole.
 */
export function logStep(label: string, since: number): void {
  const now = performance.now();
  console.log(
    `# registry step: ${label}: ${((now - since) / 1000).toFixed(1)} s (done at +${((now - started) / 1000).toFixed(1)} s)`,
  );
}

/** Runs a command and throws with its output unless it exits 0. */
export async function mustRun(
  command: string,
  args: readonly string[],
  cwd: string,
  env: Readonly<Record<string, string>>,
): Promise<RunResult> {
  const since = performance.now();
  const result = await run(command, args, cwd, env);
  logStep(`${`${command} ${args.join(" ")}`.slice(0, 80)} (in ${basename(cwd)})`, since);
  if (result.code !== 0)
    throw new Error(`${command} ${args.join(" ")} exited ${result.code}\n${result.stdout}\n${result.stderr}`);
  return result;
}

/** Writes a fresh ESM package.json, as `npm init` plus `"type": "module"` would. */
export function initConsumer(dir: string, name: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "package.json"),
    `${JSON.stringify({ name, version: "1.0.0", private: true, type: "module" }, null, 2)}\n`,
  );
}

/** A started long-running process and the first stdout line that matched. */
export interface Started {
  readonly child: ChildProcess;
  readonly match: RegExpExecArray;
  stop(): Promise<void>;
}

/** Spawns a server and resolves once a stdout line matches `ready`; rejects if it exits first. */
export function startUntil(
  command: string,
  args: readonly string[],
  cwd: string,
  env: Readonly<Record<string, string>>,
  ready: RegExp,
  group = false,
): Promise<Started> {
  // group: the command (npx) starts the server as its own child; both are stopped together.
  const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: group });
  let output = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      if (group && child.pid !== undefined) process.kill(-child.pid, "SIGTERM");
      else child.kill();
    });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on("line", (line) => {
      output += `${line}\n`;
      const match = ready.exec(line);
      if (match !== null) resolve({ child, match, stop });
    });
    child.once("exit", (code) =>
      reject(new Error(`${command} ${args.join(" ")} exited ${code} before it was ready:\n${output}`)),
    );
  });
}

/**
 * A loopback HTTP server standing in for better-sqlite3's release downloads: it serves the
 * binary this repository's install built or fetched, packed the way prebuild-install expects
 * (`build/Release/better_sqlite3.node` in a .tar.gz), for this Node ABI and platform only.
 */
export async function startPrebuiltMirror(
  root: string,
): Promise<{ url: string; hits: () => number; close(): Promise<void> }> {
  const moduleDir = join(root, "node_modules", "better-sqlite3");
  const { version } = JSON.parse(readFileSync(join(moduleDir, "package.json"), "utf8")) as { version: string };
  const archive = execFileSync("tar", ["-czf", "-", "-C", moduleDir, "build/Release/better_sqlite3.node"], {
    maxBuffer: 64 * 1024 * 1024,
  });
  const path = `/v${version}/better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  let hits = 0;
  const server: Server = createServer((req, res) => {
    if (req.url === path) {
      hits += 1;
      res.writeHead(200, { "content-type": "application/gzip", "content-length": archive.length });
      res.end(archive);
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits: () => hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
