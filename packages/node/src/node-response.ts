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
 *
 * All headers go to one `writeHead()` as a flat list: on the hot path (whoami) this skips
 * a `setHeader()` per header, and Node then writes the head without merging. Headers the
 * app set earlier with `setHeader()` are still kept (Node merges them, ours win).
 */
export function sendNodeResponse(res: ServerResponse, response: LatchkeyResponse, method: string): void {
  const head: string[] = ["X-Content-Type-Options", "nosniff"];
  const headers = response.headers;
  for (const name in headers) head.push(name, headers[name] as string);
  if (response.cookies.length > 0) {
    const earlier = res.getHeader("set-cookie");
    if (earlier !== undefined) {
      // Keep cookies set before (a session refresh), as one list with ours.
      res.removeHeader("set-cookie");
      for (const cookie of Array.isArray(earlier) ? earlier : [String(earlier)]) head.push("Set-Cookie", cookie);
    }
    for (const cookie of response.cookies) head.push("Set-Cookie", cookie);
  }
  if (response.status === 413) head.push("Connection", "close");
  if (response.status === 204 || response.body === null) {
    res.writeHead(response.status, head);
    res.end();
    return;
  }
  const body = JSON.stringify(response.body);
  head.push("Content-Type", JSON_CONTENT_TYPE, "Content-Length", String(Buffer.byteLength(body)));
  res.writeHead(response.status, head);
  res.end(method === "HEAD" ? undefined : body);
}
