import type { LatchkeyResponse } from "../http/request.js";

/** A JSON response with the given cookies and headers. */
export function respond(
  status: number,
  body: unknown,
  extra: { cookies?: string[]; headers?: Record<string, string> } = {},
): LatchkeyResponse {
  return { status, headers: extra.headers ?? {}, cookies: extra.cookies ?? [], body };
}
