import { isPlainObject } from "./object-path.js";

/** Keys whose values never reach a log line: they carry passwords and session tokens. */
const CENSORED: ReadonlySet<string> = new Set(["password", "cookie", "authorization", "headers"]);

/** What a censored value is written as. */
const CENSOR = "[redacted]";

/**
 * The fields of a log line with every `password`, `cookie`, `authorization` or `headers`
 * replaced by `[redacted]`, at the top level or one level down (`{ req: { headers } }`), so a
 * log call that passes a request or a form by mistake cannot write a session token or a
 * password into log storage, where more people can read it than can read the database.
 * The caller's objects are never changed: a line with something to censor is copied, one
 * without (every line latchkey writes itself) is returned as it is.
 *
 * Used as pino's `formatters.log` instead of pino's `redact` paths: with the wildcard paths
 * this needs (`*.password`), pino runs its redactor on every field of every line and parses
 * each path again each time, about 40,000 instructions a line, which made an access line per
 * request cost three quarters of a whoami (`node bench/dist/instructions.js ready-access-log`).
 */
export function censorCredentials(fields: Record<string, unknown>): Record<string, unknown> {
  let censored: Record<string, unknown> | null = null;
  for (const key of Object.keys(fields)) {
    if (CENSORED.has(key)) {
      censored ??= { ...fields };
      censored[key] = CENSOR;
      continue;
    }
    const value = fields[key];
    if (!isPlainObject(value)) continue;
    let inner: Record<string, unknown> | null = null;
    for (const innerKey of Object.keys(value)) {
      if (!CENSORED.has(innerKey)) continue;
      inner ??= { ...value };
      inner[innerKey] = CENSOR;
    }
    if (inner === null) continue;
    censored ??= { ...fields };
    censored[key] = inner;
  }
  return censored ?? fields;
}
