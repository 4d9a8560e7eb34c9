import { SETTINGS } from "./settings-table.js";

/**
 * Prefixes one of core's problems with where the settings it names came from, e.g.
 * `LATCHKEY_COOKIES_SECURE="never" (environment): cookies.secure: "never" is refused in production …`.
 * A refusal that only applies in production also says what turned production mode on.
 *
 * @param sources setting key → source label, for the settings not at their default.
 */
export function attributeProblem(problem: string, sources: Readonly<Record<string, string>>): string {
  const sourceOf = (key: string): string | undefined => (Object.hasOwn(sources, key) ? sources[key] : undefined);
  const labels: string[] = [];
  for (const { key } of SETTINGS) {
    const mentioned = new RegExp(`(^|[^A-Za-z.])${key.replace(/\./g, "\\.")}(?![A-Za-z])`).test(problem);
    const label = sourceOf(key);
    if (mentioned && label !== undefined && !labels.includes(label)) labels.push(label);
  }
  const text = labels.length === 0 ? problem : `${labels.join(" and ")}: ${problem}`;
  const modeSource = sourceOf("mode");
  return modeSource !== undefined && problem.includes("production")
    ? `${text} (production mode set by ${modeSource})`
    : text;
}
