import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** One third-party package version the consumers need, as this repository has it installed. */
export interface ThirdPartyPackage {
  readonly name: string;
  readonly version: string;
  /** The installed folder (its package.json is the published manifest). */
  readonly dir: string;
  /** The lockfile's integrity (`sha512-…`), which names the tarball in npm's cache. */
  readonly integrity: string | undefined;
}

interface LockEntry {
  version?: string;
  link?: boolean;
  integrity?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

/**
 * The dependency closure, as package-lock.json resolved it, of the given third-party
 * dependencies (each resolved from a folder: "" for the root, "packages/core" for a
 * workspace; internal workspace links are skipped): every version npm will ask the registry for when a consumer
 * installs them. Optional dependencies that are not installed here (other platforms) are
 * left out; npm skips an optional dependency the registry does not have.
 */
export function thirdPartyClosure(
  root: string,
  wanted: readonly (readonly [from: string, name: string])[],
): ThirdPartyPackage[] {
  const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8")) as {
    packages: Record<string, LockEntry>;
  };
  const found = new Map<string, ThirdPartyPackage>();
  const seen = new Set<string>();

  function locate(from: string, name: string): string | undefined {
    let base = from;
    for (;;) {
      const candidate = base === "" ? `node_modules/${name}` : `${base}/node_modules/${name}`;
      if (lock.packages[candidate] !== undefined) return candidate;
      if (base === "") return undefined;
      const cut = base.lastIndexOf("/node_modules/");
      base = cut === -1 ? "" : base.slice(0, cut);
    }
  }

  function visit(from: string, name: string, optional: boolean): void {
    const key = locate(from, name);
    if (key === undefined) {
      if (optional) return;
      throw new Error(`${name} (needed by ${from || "the consumers"}) is not in package-lock.json`);
    }
    if (seen.has(key)) return;
    seen.add(key);
    const entry = lock.packages[key];
    if (entry === undefined || entry.link === true) return;
    const dir = join(root, key);
    if (!existsSync(join(dir, "package.json"))) {
      if (optional) return;
      throw new Error(`${key} is in package-lock.json but not installed`);
    }
    const version = entry.version ?? "";
    found.set(`${name}@${version}`, { name, version, dir, integrity: entry.integrity });
    for (const dep of Object.keys(entry.dependencies ?? {})) visit(key, dep, false);
    for (const dep of Object.keys(entry.optionalDependencies ?? {})) visit(key, dep, true);
    for (const dep of Object.keys(entry.peerDependencies ?? {}))
      visit(key, dep, entry.peerDependenciesMeta?.[dep]?.optional === true);
  }

  for (const [from, name] of wanted) visit(from, name, false);
  return [...found.values()];
}

/**
 * The package's original tarball, read from npm's content-addressed cache (filled by the
 * `npm install`/`npm ci` that installed this repository). Where the cache lacks it, the
 * installed folder is packed instead (without its own node_modules).
 */
export function thirdPartyTarball(pkg: ThirdPartyPackage): { tarball: Buffer; fromCache: boolean } {
  if (REPACK_INSTALLED.has(pkg.name)) return { tarball: packInstalled(pkg), fromCache: false };
  const cache = process.env.npm_config_cache ?? join(homedir(), ".npm");
  const match = /^sha512-(.+)$/.exec(pkg.integrity ?? "");
  if (match?.[1] !== undefined) {
    const hex = Buffer.from(match[1], "base64").toString("hex");
    const path = join(cache, "_cacache", "content-v2", "sha512", hex.slice(0, 2), hex.slice(2, 4), hex.slice(4));
    if (existsSync(path)) return { tarball: readFileSync(path), fromCache: true };
  }
  return { tarball: packInstalled(pkg), fromCache: false };
}

/**
 * Packages published from their installed folder, with the native addon this machine's
 * install built, instead of their original tarball. argon2's prebuilt linux-x64 binary
 * crashes on load on this machine image (SIGSEGV; its install script then compiles from
 * source, which is why the repository has build/Release/argon2.node). A consumer install
 * from the original tarball would compile it again, once per folder; the installed folder's
 * build stands in for a prebuilt binary that loads, as it does on other machines.
 */
const REPACK_INSTALLED: ReadonlySet<string> = new Set(["argon2"]);

function packInstalled(pkg: ThirdPartyPackage): Buffer {
  const args = [
    "-czf",
    "-",
    "--exclude=./node_modules",
    "--exclude=./build/Release/obj.target",
    "--exclude=./build/Release/.deps",
  ];
  return execFileSync("tar", [...args, "--transform=s,^\\.,package,", "-C", pkg.dir, "."], {
    maxBuffer: 512 * 1024 * 1024,
  });
}

/** The manifest to publish: the installed package.json (npm keeps it as published). */
export function thirdPartyManifest(pkg: ThirdPartyPackage): Record<string, unknown> {
  return JSON.parse(readFileSync(join(pkg.dir, "package.json"), "utf8")) as Record<string, unknown>;
}

/** Orders versions of one name oldest first (numeric x.y.z; pre-releases before releases). */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string): number[] => {
    const [core = "", pre] = v.split("-", 2);
    return [...core.split(".").map((n) => Number(n)), pre === undefined ? 1 : 0];
  };
  const left = parse(a);
  const right = parse(b);
  for (let i = 0; i < Math.max(left.length, right.length); i += 1) {
    const d = (left[i] ?? 0) - (right[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
