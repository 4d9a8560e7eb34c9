import { Buffer } from "node:buffer";
import { JSON_CONTENT_TYPE } from "@latchkey/protocol";
import type { LatchkeyResponse } from "./request.js";

/**
 * One of latchkey's answers, finished: everything an adapter writes, decided once here so
 * that the Node (and Express, and the ready server), Fastify and Hono adapters only copy it
 * out and cannot drift apart on a rule.
 */
export interface FinishedResponse {
  readonly status: number;
  /**
   * Header names and values alternating (`[name, value, name, value, …]`), in writing
   * order: core's headers (CORS, security headers, `Cache-Control`, …), then one
   * `Set-Cookie` per cookie, `X-Content-Type-Options`, `Connection: close` when
   * {@link FinishedResponse.close}, and for a body `Content-Type` and `Content-Length`.
   * Flat because that is the form Node's `writeHead()` takes without copying.
   */
  readonly headers: readonly string[];
  /**
   * The JSON body text, or null when none is sent: a 204, a bodiless answer, or any answer
   * to HEAD (whose `Content-Length` still says what a GET would get, RFC 9110 §9.3.2).
   */
  readonly body: string | null;
  /**
   * The connection must close after this answer: a 413's body was never read, so the next
   * bytes on the connection are not a request (the adapter closes it lingering, so the
   * client reads the 413 rather than a reset); also when the response asks for it
   * (`LatchkeyResponse.close`).
   */
  readonly close: boolean;
}

/** The header name each cookie is written under, as it appears in {@link FinishedResponse.headers}. */
export const SET_COOKIE = "Set-Cookie";

/**
 * Finishes a core response for the request's `method`: the rules every latchkey answer
 * follows on every adapter.
 * - JSON bodies carry `Content-Type: application/json; charset=utf-8` and their UTF-8
 *   length; the serialisation core already made (`bodyText`, a cached user's JSON) is used
 *   as is, so nothing is serialised twice, and so is its length when counted with it
 *   (`bodyLength`).
 * - `X-Content-Type-Options: nosniff` on every answer: a JSON answer is never sniffed into
 *   HTML or script (MIME confusion, OWASP Secure Headers).
 * - Each cookie is its own `Set-Cookie` (RFC 6265 §3: cookies must not be folded into one).
 * - A 413 closes the connection (RFC 9110 §15.5.14), and so does a response marked `close`:
 *   the rest of the refused body is still on the wire and must not be parsed as the next
 *   request (request smuggling).
 * - No body for 204 or HEAD.
 */
export function finishResponse(response: LatchkeyResponse, method: string): FinishedResponse {
  const head: string[] = [];
  const headers = response.headers;
  for (const name in headers) head.push(name, headers[name] as string);
  for (const cookie of response.cookies) head.push(SET_COOKIE, cookie);
  head.push("X-Content-Type-Options", "nosniff");
  const close = response.status === 413 || response.close === true;
  if (close) head.push("Connection", "close");
  if (response.status === 204 || response.body === null)
    return { status: response.status, headers: head, body: null, close };
  const kept = response.bodyText;
  const text = kept ?? JSON.stringify(response.body);
  // A kept serialisation may come with its length (a cached user's): not counted again per answer.
  const length =
    kept !== undefined && response.bodyLength !== undefined ? response.bodyLength : String(Buffer.byteLength(text));
  head.push("Content-Type", JSON_CONTENT_TYPE, "Content-Length", length);
  return { status: response.status, headers: head, body: method === "HEAD" ? null : text, close };
}
