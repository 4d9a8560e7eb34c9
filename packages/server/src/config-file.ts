import { existsSync, readFileSync } from "node:fs";
import { isAbsolute, relative, resolve } from "node:path";
import { closest, cloneJson, deletePath, formatPath, isPlainObject, type PlainObject } from "./object-path.js";
import { settingsSchema } from "./settings-schema.js";
import { SETTINGS } from "./settings-table.js";

/** The name looked for in the working directory when no config file is named. */
export const DEFAULT_CONFIG_FILE = "latchkey.config.json";

/** The config file's contribution: its values that passed validation, and what was wrong with the rest. */
export interface FileLayer {
  /** Absolute path, or null when no file was used. */
  readonly path: string | null;
  /** How problems name the file: relative to the working directory when inside it. */
  readonly label: string;
  readonly values: PlainObject;
  readonly problems: string[];
}

/** The setting key a problem path belongs to (`["throttle","perIp","points"]` → `throttle.perIp.points`), if any. */
export function settingKeyOf(path: readonly PropertyKey[]): string | null {
  const dotted = path.filter((p): p is string => typeof p === "string").join(".");
  let best: string | null = null;
  for (const { key } of SETTINGS) {
    if ((dotted === key || dotted.startsWith(`${key}.`)) && (best === null || key.length > best.length)) best = key;
  }
  return best;
}

/** Keys that could appear next to `parent` (for "did you mean"). */
function siblingKeys(parent: readonly PropertyKey[]): string[] {
  const prefix = parent.filter((p): p is string => typeof p === "string").join(".");
  const names = new Set<string>(prefix === "" ? ["$schema"] : []);
  for (const { key } of SETTINGS) {
    if (prefix !== "" && !key.startsWith(`${prefix}.`)) continue;
    const rest = prefix === "" ? key : key.slice(prefix.length + 1);
    const next = rest.split(".")[0];
    if (next !== undefined) names.add(next);
  }
  return [...names];
}

/**
 * Checks one layer's values against the settings schema. Returns a problem text for every
 * bad value (formatted by `describe`) and a copy of the values without them, so the valid
 * rest can still be checked against core's cross-setting rules: one run reports everything.
 */
export function validateLayer(
  values: PlainObject,
  describe: (path: readonly PropertyKey[], message: string) => string,
): { values: PlainObject; problems: string[] } {
  const result = settingsSchema.safeParse(values);
  if (result.success) return { values, problems: [] };
  const cleaned = cloneJson(values);
  const problems: string[] = [];
  for (const issue of result.error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        const suggestion = closest(key, siblingKeys(issue.path));
        problems.push(
          describe(
            [...issue.path, key],
            `unknown setting${suggestion === null ? "" : ` (did you mean "${suggestion}"?)`}`,
          ),
        );
        deletePath(cleaned, [...issue.path, key]);
      }
      continue;
    }
    problems.push(describe(issue.path, issue.message));
    const key = settingKeyOf(issue.path);
    deletePath(cleaned, key === null ? issue.path : key.split("."));
  }
  return { values: cleaned, problems };
}

/**
 * Finds and reads the config file: `explicit` (from `--config` or `LATCHKEY_CONFIG`) must
 * exist; otherwise `latchkey.config.json` in `cwd` is used if present.
 */
export function readConfigFile(explicit: { path: string; source: string } | null, cwd: string): FileLayer {
  const path = explicit === null ? resolve(cwd, DEFAULT_CONFIG_FILE) : resolve(cwd, explicit.path);
  const inside = relative(cwd, path);
  const label = inside !== "" && !inside.startsWith("..") && !isAbsolute(inside) ? inside : path;
  if (!existsSync(path)) {
    if (explicit === null) return { path: null, label, values: {}, problems: [] };
    return { path: null, label, values: {}, problems: [`${explicit.source}: config file ${path} not found`] };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { path, label, values: {}, problems: [`${label}: not valid JSON (${reason})`] };
  }
  if (!isPlainObject(parsed))
    return { path, label, values: {}, problems: [`${label}: must hold a JSON object of settings`] };
  const checked = validateLayer(parsed, (p, message) => `${label}: ${formatPath(p) || "(file)"}: ${message}`);
  return { path, label, values: checked.values, problems: checked.problems };
}
