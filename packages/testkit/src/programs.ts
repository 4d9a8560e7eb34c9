import { accessSync, constants, readdirSync } from "node:fs";
import { delimiter, join } from "node:path";

/** Debian installs PostgreSQL's server programs here, off PATH, one directory per major version. */
const POSTGRES_LIB = "/usr/lib/postgresql";

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** PostgreSQL bin directories, newest major version first. */
function postgresBinDirectories(): string[] {
  let versions: string[];
  try {
    versions = readdirSync(POSTGRES_LIB);
  } catch {
    return [];
  }
  return versions
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a))
    .map((v) => join(POSTGRES_LIB, v, "bin"));
}

/**
 * The absolute path of the program `name`, looked up on PATH and then in Debian's
 * `/usr/lib/postgresql/<version>/bin` (newest first), or null when it is not installed.
 */
export function findProgram(name: string): string | null {
  const path = process.env["PATH"] ?? "";
  const directories = [...path.split(delimiter).filter((d) => d !== ""), ...postgresBinDirectories()];
  for (const directory of directories) {
    const candidate = join(directory, name);
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

/** Like {@link findProgram}, but throws a clear error when the program is missing. */
export function programPath(name: string): string {
  const found = findProgram(name);
  if (found === null) {
    throw new Error(`The program "${name}" is not installed (looked on PATH and in ${POSTGRES_LIB}/*/bin).`);
  }
  return found;
}

/**
 * Decides what a test needing external programs does when one is missing, per SPEC §9:
 * returns `false` when every program is installed; otherwise, under `CI=true`, throws (the
 * test file fails, so CI can never pass by skipping), and elsewhere returns a reason to pass
 * as `describe(name, { skip: reason })`, so the skip is loud and says what to install.
 *
 * @example
 * describe("redis store", { skip: requireProgram("redis-server", "redis-cli") }, () => { ... });
 */
export function requireProgram(...names: string[]): string | false {
  const missing = names.filter((name) => findProgram(name) === null);
  if (missing.length === 0) return false;
  const reason = `needs ${missing.join(", ")}, which is not installed (looked on PATH and in ${POSTGRES_LIB}/*/bin)`;
  if (process.env["CI"] === "true") {
    throw new Error(`This test ${reason}. Under CI=true a missing program is a failure, not a skip.`);
  }
  return reason;
}
