import type { SettingInfo } from "./settings-table.js";

const TRUE_WORDS = new Set(["true", "1", "yes", "on"]);
const FALSE_WORDS = new Set(["false", "0", "no", "off"]);
const COMPAT_FLAGS = ["loginWithoutCsrfToken", "getLogout"] as const;

/**
 * Turns the text of an environment variable or flag into the value the config file would
 * hold, so one schema checks all three. Text that does not fit is returned as is: the schema
 * then refuses it with the setting's message (or {@link textHint}'s).
 */
export function settingFromText(setting: SettingInfo, raw: string): unknown {
  const text = raw.trim();
  const word = text.toLowerCase();
  switch (setting.kind) {
    case "integer":
      return /^[+-]?\d+$/.test(text) ? Number(text) : text;
    case "boolean":
      return TRUE_WORDS.has(word) ? true : FALSE_WORDS.has(word) ? false : text;
    case "list":
      return splitList(text);
    case "trustProxy":
      if (word === "true" || word === "false") return word === "true";
      return /^\d+$/.test(text) ? Number(text) : text;
    case "routePaths": {
      if (word === "false" || word === "off") return false;
      const paths = splitList(text);
      return paths.length === 1 ? paths[0] : paths;
    }
    case "compat": {
      if (word === "django") return "django";
      if (word === "none") return {};
      const flags: Record<string, boolean> = {};
      for (const name of splitList(text)) {
        const known = COMPAT_FLAGS.find((flag) => flag.toLowerCase() === name.toLowerCase());
        if (known === undefined) return text;
        flags[known] = true;
      }
      return flags;
    }
    case "string":
    case "path":
    case "url":
    case "enum":
      return text;
  }
}

/**
 * What a text value of this kind must look like, for messages about environment variables
 * and flags (the schema's own message speaks of JSON values, which would confuse here).
 * Null when the schema's message fits both.
 */
export function textHint(setting: SettingInfo): string | null {
  switch (setting.kind) {
    case "boolean":
      return "must be true or false (or 1/0, yes/no, on/off)";
    case "trustProxy":
      return "must be true, false or a number of proxy hops from 0 to 10";
    case "routePaths":
      return "must be a path starting with /, several separated by commas, or false";
    case "compat":
      return `must be "django", "none" or a comma-separated list of ${COMPAT_FLAGS.join(", ")}`;
    default:
      return null;
  }
}

function splitList(text: string): string[] {
  return text
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
}
