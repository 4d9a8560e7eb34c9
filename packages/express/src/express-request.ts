import { HttpError, type LatchkeyRequest } from "@latchkey/core";
import { pathOf, wrapNodeRequest } from "@latchkey/node";
import type { Request } from "express";

/**
 * The body a parser mounted before latchkey already took from the stream, if any.
 * body-parser sets `req.body` only once it has read the whole stream, so `readableEnded`
 * tells a parsed body apart from a `req.body` some middleware merely initialised.
 */
function consumedBody(req: Request): unknown {
  if (!req.readableEnded) return undefined;
  const body: unknown = req.body;
  return body;
}

/** Serves bytes `express.raw()` already buffered, under the same size limit as a fresh read. */
function bufferedBody(bytes: Uint8Array): (limitBytes: number) => Promise<Uint8Array> {
  return (limitBytes) =>
    bytes.length > limitBytes
      ? Promise.reject(new HttpError("body_too_large", { max: limitBytes }))
      : Promise.resolve(bytes);
}

/**
 * Wraps an Express request for core without copying headers. The path comes from
 * `req.originalUrl`, so latchkey's `basePath` matches the real URL even when the middleware
 * is mounted under a prefix (`app.use("/v1", ...)` rewrites `req.url`).
 *
 * A body parsed by `express.json()`/`express.urlencoded()` before latchkey ran is handed
 * over as `parsedBody` (the stream is gone by then); one buffered by `express.raw()` is
 * served as the raw bytes.
 */
export function toExpressLatchkeyRequest(req: Request): LatchkeyRequest {
  const consumed = consumedBody(req);
  const path = pathOf(req.originalUrl);
  if (consumed instanceof Uint8Array) return wrapNodeRequest(req, path, undefined, bufferedBody(consumed));
  return wrapNodeRequest(req, path, consumed);
}
