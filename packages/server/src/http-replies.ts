import type { ServerResponse } from "node:http";
import { API_SECURITY_HEADERS, finishResponse, HttpError } from "@latchkey/core";
import { writeNodeResponse } from "@latchkey/node";
import type { ErrorCode } from "@latchkey/protocol";

/**
 * Headers on the SPA's pages and files (JSON answers get {@link sendJson}'s instead):
 * - `nosniff`: a JSON or text response is never run as script or style (MIME confusion);
 * - `Referrer-Policy: same-origin`: URLs of the SPA (which may hold ids or tokens in paths)
 *   are not sent to other sites;
 * - `X-Frame-Options: DENY` and CSP `frame-ancestors 'none'`: no other site can frame the
 *   login page to trick clicks (clickjacking; OWASP Clickjacking Defense Cheat Sheet);
 * - `Strict-Transport-Security` when `hsts` is given (HTTPS in production; SSL stripping).
 */
export function setSecurityHeaders(res: ServerResponse, hsts: string | null = null): void {
  res.setHeader("X-Content-Type-Options", "nosniff");
  res.setHeader("Referrer-Policy", "same-origin");
  res.setHeader("X-Frame-Options", "DENY");
  res.setHeader("Content-Security-Policy", "frame-ancestors 'none'");
  if (hsts !== null) res.setHeader("Strict-Transport-Security", hsts);
}

/**
 * Answers with `value` as JSON (no body for null, 204 or HEAD), never cached, with the
 * security headers of every latchkey JSON answer (core's `API_SECURITY_HEADERS`), written
 * by the same rules as latchkey's own answers (core's `finishResponse`).
 */
export function sendJson(
  res: ServerResponse,
  method: string,
  status: number,
  value: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  const response = {
    status,
    headers: { ...API_SECURITY_HEADERS, ...headers, "Cache-Control": "no-store" },
    cookies: [],
    body: value,
  };
  writeNodeResponse(res, finishResponse(response, method));
}

/** Answers with a catalogue error as JSON (`{ detail, code }`), no body for HEAD. */
export function sendError(
  res: ServerResponse,
  method: string,
  code: ErrorCode,
  params: Readonly<Record<string, string>> = {},
  headers: Readonly<Record<string, string>> = {},
): void {
  const error = new HttpError(code, params);
  sendJson(res, method, error.status, { detail: error.detail, code: error.code }, headers);
}
