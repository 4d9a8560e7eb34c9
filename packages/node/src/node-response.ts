import type { ServerResponse } from "node:http";
import { responseBodyText, type LatchkeyResponse } from "@latchkey/core";
import { JSON_CONTENT_TYPE } from "@latchkey/protocol";
import { lingerAfterAnswer } from "./lingering-close.js";

/** Appends `Set-Cookie` values to whatever the response already carries. */
export function appendCookies(res: ServerResponse, cookies: readonly string[]): void {
  if (cookies.length === 0) return;
  const existing = res.getHeader("set-cookie");
  const list = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
  res.setHeader("Set-Cookie", [...list, ...cookies]);
}

/**
 * Writes a core response: JSON with charset, `nosniff`, cookies, and no body for HEAD and
 * 204. A 413 closes the connection, since the rest of the oversized body was never read,
 * and the close lingers (see {@link lingerAfterAnswer}) so the client gets to read the 413.
 *
 * All headers go to one `writeHead()` as a flat list: on the hot path (whoami) this skips
 * a `setHeader()` per header, and Node then writes the head without merging. Headers the
 * app set earlier with `setHeader()` are still kept (Node merges them, ours win).
 */
export function sendNodeResponse(res: ServerResponse, response: LatchkeyResponse, method: string): void {
  const head: (string | string[])[] = ["X-Content-Type-Options", "nosniff"];
  const headers = response.headers;
  for (const name in headers) head.push(name, headers[name] as string);
  if (response.cookies.length > 0) {
    // One Set-Cookie entry holding every cookie: once the app (or Express, with X-Powered-By)
    // has set any header, Node 20 applies the flat list through setHeader(), so a repeated
    // Set-Cookie name would keep only the last cookie and lose the session cookie at login.
    const earlier = res.getHeader("set-cookie");
    // Keep cookies set before (a session refresh), as one list with ours.
    const cookies = earlier === undefined ? [...response.cookies] : [...(Array.isArray(earlier) ? earlier : [String(earlier)]), ...response.cookies];
    if (earlier !== undefined) res.removeHeader("set-cookie");
    head.push("Set-Cookie", cookies);
  }
  if (response.status === 413) {
    head.push("Connection", "close");
    lingerAfterAnswer(res);
  }
  if (response.status === 204 || response.body === null) {
    res.writeHead(response.status, head);
    res.end();
    return;
  }
  const body = responseBodyText(response);
  head.push("Content-Type", JSON_CONTENT_TYPE, "Content-Length", String(Buffer.byteLength(body)));
  res.writeHead(response.status, head);
  res.end(method === "HEAD" ? undefined : body);
}
