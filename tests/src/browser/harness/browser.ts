import { existsSync } from "node:fs";
import { join } from "node:path";
import { findProgram, requireProgram } from "@latchkey/testkit";
import { CHROMIUM } from "./engines/chromium.js";
import { MINIBROWSER } from "./engines/webkit.js";

/** Debian puts nginx in /usr/sbin, which is not on every user's PATH. */
const SYSTEM_DIRECTORIES = ["/usr/sbin", "/usr/bin", "/sbin"];

/** Programs that live at a fixed path outside PATH. */
const FIXED_PATHS: Readonly<Record<string, string>> = { chromium: CHROMIUM, MiniBrowser: MINIBROWSER };

/** The absolute path of `name`: at its fixed path, on PATH, else in the system folders, else null. */
export function programPath(name: string): string | null {
  const fixed = FIXED_PATHS[name];
  if (fixed !== undefined) return existsSync(fixed) ? fixed : null;
  return findProgram(name) ?? SYSTEM_DIRECTORIES.map((dir) => join(dir, name)).find((path) => existsSync(path)) ?? null;
}

/**
 * `false` when the programs a browser test drives are installed; else, per SPEC §9, a loud
 * skip reason naming them, or (under `CI=true`) an exception that fails the file.
 */
export function browserTestSkip(...programs: string[]): string | false {
  const missing = programs.filter((name) => programPath(name) === null);
  return missing.length === 0 ? false : requireProgram(...missing);
}
