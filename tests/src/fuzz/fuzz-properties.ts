import type { FuzzRequest } from "./fuzz-requests.js";
import type { FuzzResponse } from "./fuzz-target.js";

/** A stack frame (`    at fn (file:line)`), as Node prints them. */
const STACK_FRAME = /\n\s*at |\bat [\w.<>$]+ \(|\bat (file|node):/;
/** An absolute file path of this machine, or a module path. */
const FILE_PATH = /(^|[\s"'(])\/(home|root|work|usr|tmp|var|opt|srv)\/[^\s"']*|node_modules|file:\/\/\//;

function headerText(value: string | string[] | undefined): string {
  return value === undefined ? "" : Array.isArray(value) ? value.join(", ") : value;
}

/**
 * What a response to a generated request breaks of the rules every answer keeps (SPEC §8,
 * ASVS 16.5.1), one sentence each; empty when it keeps them all:
 * - never a 5xx (no store is down during fuzzing);
 * - under the API base path, a JSON body (`application/json`), with a non-empty `detail`
 *   string on every error;
 * - no stack trace and no file path in any body;
 * - no cookie set by a refused request (4xx): a refusal starts nothing. Clearing a cookie
 *   (`Max-Age=0`, a stale session cookie) is allowed.
 */
export function responseProblems(request: FuzzRequest, response: FuzzResponse, basePath: string): string[] {
  const problems: string[] = [];
  const { status, body } = response;
  if (status >= 500) problems.push(`answered ${status}: ${body.slice(0, 300)}`);
  if (STACK_FRAME.test(body)) problems.push(`a stack frame in the body: ${body.slice(0, 300)}`);
  if (FILE_PATH.test(body)) problems.push(`a file path in the body: ${body.slice(0, 300)}`);
  const path = request.path.split("?")[0] ?? "";
  const underApi = path === basePath || path.startsWith(`${basePath}/`);
  if (underApi && request.method !== "HEAD" && body !== "") {
    const type = headerText(response.headers["content-type"]);
    if (!/^application\/json\b/i.test(type))
      problems.push(`an API answer that is not JSON (Content-Type "${type}"): ${body.slice(0, 200)}`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      problems.push(`an API answer whose body is not JSON: ${body.slice(0, 200)}`);
    }
    if (status >= 400 && parsed !== undefined) {
      const detail =
        typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>).detail : undefined;
      if (typeof detail !== "string" || detail === "")
        problems.push(`an API error without a detail: ${body.slice(0, 200)}`);
    }
  }
  if (status >= 400) {
    const cookies = response.headers["set-cookie"] ?? [];
    for (const line of Array.isArray(cookies) ? cookies : [cookies]) {
      const cleared = /;\s*Max-Age=0\b/i.test(line) || /^[^=]+=;/.test(line);
      if (!cleared) problems.push(`a refused request (${status}) set a cookie: ${line.split(";")[0]?.slice(0, 40)}…`);
    }
  }
  return problems;
}
