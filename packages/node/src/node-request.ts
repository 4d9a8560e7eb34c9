import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";
import { HttpError, type LatchkeyRequest } from "@latchkey/core";

/** The path part of a request target (origin-form or absolute-form), without the query. */
export function pathOf(url: string | undefined): string {
  if (url === undefined || url === "") return "/";
  let path = url;
  if (url.charCodeAt(0) !== 47 /* / */) {
    try {
      path = new URL(url).pathname;
    } catch {
      return "/";
    }
  }
  const query = path.indexOf("?");
  return query === -1 ? path : path.slice(0, query);
}

/**
 * Reads a Node request body up to `limitBytes`. Past the limit it stops buffering and
 * rejects with a 413, so a client cannot make the server hold an unbounded body; the 413
 * answer then discards the rest and closes the connection lingering.
 */
export function readNodeBody(req: IncomingMessage, limitBytes: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("aborted", onAborted);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) {
        cleanup();
        reject(new HttpError("body_too_large", { max: limitBytes }));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(new HttpError("invalid_body", { reason: `The request body could not be read (${error.message}).` }));
    };
    const onAborted = () => onError(new Error("aborted"));
    if (req.readableEnded) {
      resolve(new Uint8Array(0));
      return;
    }
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("aborted", onAborted);
  });
}

/**
 * latchkey's wrapper of a Node request, keeping the request (and its headers) its methods
 * read from.
 */
interface NodeLatchkeyRequest extends LatchkeyRequest {
  readonly incoming: IncomingMessage;
  /**
   * `incoming.headers`, read once: Node's `headers` is a getter whose symbol-keyed loads
   * go through V8's megamorphic stub (about 300 instructions a read, counted with
   * bench/src/instructions.ts), and core reads several headers a request.
   */
  readonly nodeHeaders: IncomingMessage["headers"];
}

/**
 * The wrapper's methods, one function each for every request: they read the request through
 * `this`, so building a wrapper allocates the object alone, not two closures and the context
 * they share on every request (the ready server's whoami path, counted with
 * bench/src/allocations.ts). A copy made by spreading a wrapper (`{ ...wrapper, parsedBody }`)
 * keeps `incoming` and `nodeHeaders`, so its methods still read the same request.
 */
function header(this: NodeLatchkeyRequest, name: string): string | undefined {
  const value = this.nodeHeaders[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

function readBody(this: NodeLatchkeyRequest, limitBytes: number): Promise<Uint8Array> {
  return readNodeBody(this.incoming, limitBytes);
}

/**
 * The wrapper of `req` with `path` (the Express adapter's comes from `req.originalUrl`) and
 * its body: `bodyReader` (default: read from the stream) and a body a framework parsed
 * already. Core calls `header()` and `readBody()` as the wrapper's methods.
 */
export function wrapNodeRequest(
  req: IncomingMessage,
  path: string,
  parsedBody?: unknown,
  bodyReader: (this: NodeLatchkeyRequest, limitBytes: number) => Promise<Uint8Array> = readBody,
): LatchkeyRequest {
  const method = req.method ?? "GET";
  const remoteAddress = req.socket.remoteAddress;
  const encrypted = (req.socket as TLSSocket).encrypted === true;
  const nodeHeaders = req.headers;
  const wrapper: NodeLatchkeyRequest =
    parsedBody === undefined
      ? { method, path, header, remoteAddress, encrypted, readBody: bodyReader, incoming: req, nodeHeaders }
      : {
          method,
          path,
          header,
          remoteAddress,
          encrypted,
          readBody: bodyReader,
          parsedBody,
          incoming: req,
          nodeHeaders,
        };
  return wrapper;
}

/**
 * Wraps a Node request for core without copying anything: headers are looked up in
 * `req.headers` (read once) when core asks for them. `parsedBody` carries a body a framework
 * parsed already.
 */
export function toLatchkeyRequest(req: IncomingMessage, parsedBody?: unknown): LatchkeyRequest {
  return wrapNodeRequest(req, pathOf(req.url), parsedBody);
}
