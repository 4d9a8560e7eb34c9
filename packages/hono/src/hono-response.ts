import { responseBodyText, type LatchkeyResponse } from "@latchkey/core";
import { JSON_CONTENT_TYPE } from "@latchkey/protocol";
import type { Context } from "hono";
import type { StatusCode } from "hono/utils/http-status";
import { lingerOnNodeServer } from "./node-linger.js";

const encoder = new TextEncoder();

/**
 * Hono types a status as the union of registered codes (with `-1` standing for any other);
 * core only answers with registered ones, and `Response` itself refuses anything outside
 * 200–599.
 */
function isStatusCode(status: number): status is StatusCode {
  return Number.isInteger(status) && status >= 200 && status <= 599;
}

/**
 * Turns a core response into a Web `Response` through `c.newResponse`, so headers earlier
 * middleware set on the context (CORS, request ids) are kept: JSON with charset, `nosniff`,
 * each cookie appended as its own `Set-Cookie`, no body for HEAD and 204, and
 * `Connection: close` on 413 since the rest of the oversized body was never read (closed
 * lingering on `@hono/node-server`, see {@link lingerOnNodeServer}).
 */
export function toHonoResponse(c: Context, response: LatchkeyResponse, method: string): Response {
  const { status } = response;
  if (!isStatusCode(status)) throw new RangeError(`latchkey produced an invalid HTTP status ${status}`);
  const headers = new Headers(response.headers);
  for (const cookie of response.cookies) headers.append("Set-Cookie", cookie);
  headers.set("X-Content-Type-Options", "nosniff");
  if (status === 413) {
    headers.set("Connection", "close");
    lingerOnNodeServer(c.env);
  }
  if (status === 204 || response.body === null) return c.newResponse(null, { status, headers });
  const bytes = encoder.encode(responseBodyText(response));
  headers.set("Content-Type", JSON_CONTENT_TYPE);
  headers.set("Content-Length", String(bytes.length));
  return c.newResponse(method === "HEAD" ? null : bytes, { status, headers });
}
