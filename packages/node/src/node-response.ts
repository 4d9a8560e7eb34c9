import type { ServerResponse } from "node:http";
import {
  finishResponse,
  SET_COOKIE,
  type Auth,
  type FinishedResponse,
  type LatchkeyResponse,
  type RequestAuthResult,
} from "@latchkey/core";
import { lingerAfterAnswer } from "./lingering-close.js";

/**
 * Applies latchkey's authentication result of an app request to Node's response: on success
 * the refreshed session cookie and the CORS headers ride on whatever the app answers, and the
 * identity is returned (null: anonymous); a failure (a bad bearer token, CSRF, a store that is
 * down) is answered here, and `undefined` is returned.
 */
export function applyAuthResult(
  res: ServerResponse,
  result: RequestAuthResult,
  method: string,
): Auth | null | undefined {
  if (!result.ok) {
    sendNodeResponse(res, result.response, method);
    return undefined;
  }
  appendCookies(res, result.cookies);
  const headers = result.headers;
  for (const name in headers) res.setHeader(name, headers[name] as string);
  return result.auth;
}

/** Appends `Set-Cookie` values to whatever the response already carries. */
export function appendCookies(res: ServerResponse, cookies: readonly string[]): void {
  if (cookies.length === 0) return;
  const existing = res.getHeader("set-cookie");
  const list = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
  res.setHeader("Set-Cookie", [...list, ...cookies]);
}

/**
 * Copies a finished response (see `finishResponse` in core, which makes every rule) onto
 * Node's response. A closing answer (413) closes lingering (see {@link lingerAfterAnswer}),
 * so the client gets to read it.
 *
 * Without cookies, the flat header list goes to one `writeHead()` as is: on the hot path
 * (whoami) that skips a `setHeader()` per header, and headers the app set earlier with
 * `setHeader()` are still kept (Node merges them, ours win). With cookies, each header is
 * set and each cookie appended: once any header was set earlier (Express's X-Powered-By, a
 * session refresh), Node 20 applies a flat list through `setHeader()`, where a repeated
 * `Set-Cookie` keeps only the last cookie and would lose the session cookie at login.
 */
export function writeNodeResponse(res: ServerResponse, finished: FinishedResponse): void {
  if (finished.close) lingerAfterAnswer(res);
  const head = finished.headers;
  if (head.indexOf(SET_COOKIE) === -1) {
    // Node only reads the list; the cast drops `readonly` for its signature.
    res.writeHead(finished.status, head as string[]);
  } else {
    for (let i = 0; i < head.length; i += 2) {
      const name = head[i] as string;
      const value = head[i + 1] as string;
      if (name === SET_COOKIE) res.appendHeader(name, value);
      else res.setHeader(name, value);
    }
    res.writeHead(finished.status);
  }
  res.end(finished.body ?? undefined);
}

/** Finishes a core response for `method` and writes it: {@link writeNodeResponse}. */
export function sendNodeResponse(res: ServerResponse, response: LatchkeyResponse, method: string): void {
  writeNodeResponse(res, finishResponse(response, method));
}
