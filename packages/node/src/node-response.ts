import type { ServerResponse } from "node:http";
import type { LatchkeyResponse } from "@latchkey/core";
import { JSON_CONTENT_TYPE } from "@latchkey/protocol";

/** Appends `Set-Cookie` values to whatever the response already carries. */
export function appendCookies(res: ServerResponse, cookies: readonly string[]): void {
  if (cookies.length === 0) return;
  const existing = res.getHeader("set-cookie");
  const list = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
  res.setHeader("Set-Cookie", [...list, ...cookies]);
}

/**
 * Writes a core response: JSON with charset, `nosniff`, cookies, and no body for HEAD and
 * 204. A 413 closes the connection, since the rest of the oversized body was never read.
 */
export function sendNodeResponse(res: ServerResponse, response: LatchkeyResponse, method: string): void {
  for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value);
  appendCookies(res, response.cookies);
  res.setHeader("X-Content-Type-Options", "nosniff");
  if (response.status === 413) res.setHeader("Connection", "close");
  if (response.status === 204 || response.body === null) {
    res.statusCode = response.status;
    res.end();
    return;
  }
  const body = JSON.stringify(response.body);
  res.statusCode = response.status;
  res.setHeader("Content-Type", JSON_CONTENT_TYPE);
  res.setHeader("Content-Length", Buffer.byteLength(body));
  res.end(method === "HEAD" ? undefined : body);
}
