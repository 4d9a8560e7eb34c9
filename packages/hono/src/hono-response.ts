import { finishResponse, type LatchkeyResponse } from "@latchkey/core";
import type { Context } from "hono";
import type { StatusCode } from "hono/utils/http-status";
import { lingerOnNodeServer } from "./node-linger.js";

/**
 * Hono types a status as the union of registered codes (with `-1` standing for any other);
 * core only answers with registered ones, and `Response` itself refuses anything outside
 * 200–599.
 */
function isStatusCode(status: number): status is StatusCode {
  return Number.isInteger(status) && status >= 200 && status <= 599;
}

/**
 * Turns a core response, finished by core (`finishResponse`: every header, cookie and body
 * rule), into a Web `Response` through `c.newResponse`, so headers earlier middleware set on
 * the context (CORS, request ids) are kept. Each cookie is appended as its own `Set-Cookie`;
 * a closing answer (413) closes lingering on `@hono/node-server` (see {@link lingerOnNodeServer}).
 */
export function toHonoResponse(c: Context, response: LatchkeyResponse, method: string): Response {
  const finished = finishResponse(response, method);
  const { status } = finished;
  if (!isStatusCode(status)) throw new RangeError(`latchkey produced an invalid HTTP status ${status}`);
  const headers = new Headers();
  const head = finished.headers;
  for (let i = 0; i < head.length; i += 2) headers.append(head[i] as string, head[i + 1] as string);
  if (finished.close) lingerOnNodeServer(c.env);
  return c.newResponse(finished.body, { status, headers });
}
