import type { Context } from "hono";
import { mergeVary } from "./merge-vary.js";
import { beforeNodeHead, type NodeHeaderValue, type NodeOutgoing } from "./node-head.js";

/**
 * What latchkey adds to the answer of an app route it passed on: the refreshed session
 * cookie of a sliding expiry, and CORS (`Vary: Origin` under the base path, the
 * `Access-Control-*` fields for a trusted origin). Latchkey's cookies come after the app's;
 * `Vary` names the app's fields and `Origin`; any other field of latchkey's replaces the
 * app's of the same name (the CORS answer for a trusted origin is latchkey's to give).
 */
export interface AnswerHeaders {
  readonly cookies: readonly string[];
  readonly headers: Readonly<Record<string, string>>;
}

const VARY = "vary";
const SET_COOKIE = "set-cookie";

/** True when there is nothing to add (the usual same-origin request outside the base path). */
export function isNothingToAdd({ cookies, headers }: AnswerHeaders): boolean {
  if (cookies.length > 0) return false;
  for (const _name in headers) return false;
  return true;
}

function joined(value: NodeHeaderValue | undefined): string | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(", ") : String(value);
}

/**
 * On `@hono/node-server`: merges latchkey's fields into Node's response just before its head
 * is written (see {@link beforeNodeHead}), after the app's own are there, leaving Hono's
 * response untouched. Works the same whether the app answered with `c.json()`, a `Response`
 * of its own, or one whose headers are immutable (a `fetch()` result, `Response.redirect()`).
 */
export function addToNodeAnswer(outgoing: NodeOutgoing, add: AnswerHeaders): void {
  beforeNodeHead(outgoing, (head) => {
    if (add.cookies.length > 0) {
      const existing = head.get(SET_COOKIE);
      const own = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
      head.set("Set-Cookie", SET_COOKIE, [...own, ...add.cookies]);
    }
    const headers = add.headers;
    for (const name in headers) {
      const value = headers[name] as string;
      const lowerName = name.toLowerCase();
      head.set(name, lowerName, lowerName === VARY ? mergeVary(joined(head.get(VARY)), value) : value);
    }
  });
}

/**
 * Elsewhere (Workers, Deno, Bun, `app.fetch()` with a Web request): adds latchkey's fields to
 * the answer the app already made, on `c.res.headers`. Only an answer with immutable headers
 * (a `fetch()` result, `Response.redirect()`) is re-wrapped, through `c.header()`; a refused
 * first change leaves nothing half-applied.
 */
export function addToWebAnswer(c: Context, add: AnswerHeaders): void {
  const { cookies, headers } = add;
  const target = c.res.headers;
  const vary = (name: string, value: string): string =>
    name.toLowerCase() === VARY ? mergeVary(target.get(VARY) ?? undefined, value) : value;
  try {
    for (const cookie of cookies) target.append("Set-Cookie", cookie);
    for (const name in headers) target.set(name, vary(name, headers[name] as string));
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    for (const cookie of cookies) c.header("Set-Cookie", cookie, { append: true });
    for (const name in headers) c.header(name, vary(name, headers[name] as string));
  }
}
