import { HttpError, type LatchkeyRequest } from "@latchkey/core";
import type { Context } from "hono";

/**
 * What latchkey reads of `@hono/node-server`'s `c.env.incoming` (a Node `IncomingMessage`),
 * found structurally so this package imports nothing Node-specific and runs on every
 * runtime Hono runs on.
 */
export interface NodeIncoming {
  /** Node's header object: lower-case names, a string or (for a few headers) a list. */
  headers: object;
  /** Node's socket, or null once it is gone. */
  socket: unknown;
}

/** Finds `@hono/node-server`'s incoming request in `c.env`, if the app runs on it (no copy: it is the request). */
export function nodeIncomingOf(env: unknown): NodeIncoming | undefined {
  if (typeof env !== "object" || env === null || !("incoming" in env)) return undefined;
  const incoming: unknown = env.incoming;
  if (typeof incoming !== "object" || incoming === null || !("headers" in incoming) || !("socket" in incoming))
    return undefined;
  if (typeof incoming.headers !== "object" || incoming.headers === null) return undefined;
  // Both fields checked above; TypeScript does not narrow `incoming` by its field's check.
  return incoming as NodeIncoming;
}

/** The peer address of Node's socket, if it is still there. */
function remoteAddressOf(socket: unknown): string | undefined {
  return typeof socket === "object" &&
    socket !== null &&
    "remoteAddress" in socket &&
    typeof socket.remoteAddress === "string"
    ? socket.remoteAddress
    : undefined;
}

/** True if Node's socket is TLS. */
function isEncrypted(socket: unknown): boolean {
  return typeof socket === "object" && socket !== null && "encrypted" in socket && socket.encrypted === true;
}

/** A header from Node's header object; repeated values joined with ", " (Cookie is joined by Node with "; "). */
function nodeHeader(headers: object, name: string): string | undefined {
  const value: unknown = Reflect.get(headers, name);
  if (typeof value === "string") return value;
  return Array.isArray(value) ? value.join(", ") : undefined;
}

/** The path of an absolute URL, still percent-encoded (Hono's `c.req.path` is decoded). */
export function pathOfUrl(url: string): string {
  const start = url.indexOf("/", url.indexOf("://") + 3);
  if (start === -1) return "/";
  let end = url.indexOf("?", start);
  const hash = url.indexOf("#", start);
  if (end === -1 || (hash !== -1 && hash < end)) end = hash;
  return end === -1 ? url.slice(start) : url.slice(start, end);
}

/** The `host[:port]` of an absolute URL. */
function hostOfUrl(url: string): string | undefined {
  const scheme = url.indexOf("://");
  if (scheme === -1) return undefined;
  const start = scheme + 3;
  const end = url.slice(start).search(/[/?#]/);
  const host = end === -1 ? url.slice(start) : url.slice(start, start + end);
  return host === "" ? undefined : host;
}

/**
 * Reads a Web request body up to `limitBytes`, chunk by chunk, so a chunked body with no
 * Content-Length cannot make the server buffer more than the limit (memory exhaustion).
 * Past the limit it stops reading without cancelling the stream: on Node, cancelling
 * destroys the socket before the 413 goes out.
 */
async function readWebBody(c: Context, limitBytes: number): Promise<Uint8Array> {
  const raw = c.req.raw;
  // Another middleware read the body through Hono's cache (`c.req.json()`...): ask the cache.
  if (raw.bodyUsed || Object.keys(c.req.bodyCache).length > 0) {
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    if (bytes.length > limitBytes) throw new HttpError("body_too_large", { max: limitBytes });
    return bytes;
  }
  if (raw.body === null) return new Uint8Array(0);
  const reader = raw.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > limitBytes) throw new HttpError("body_too_large", { max: limitBytes });
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof HttpError) throw error;
    throw new HttpError("invalid_body", {
      reason: `The request body could not be read (${error instanceof Error ? error.message : String(error)}).`,
    });
  } finally {
    reader.releaseLock();
  }
  if (chunks.length === 1 && chunks[0] !== undefined) return chunks[0];
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.length;
  }
  return body;
}

/**
 * latchkey's wrapper of a request on `@hono/node-server`: Node's header object and the
 * context ride along, and `header()` and `readBody()` are functions shared by every wrapper
 * that read them from there, so wrapping a request allocates one object and no closures.
 */
interface NodeWrapper extends LatchkeyRequest {
  readonly nodeHeaders: object;
  readonly context: Context;
}

function headerOfNode(this: NodeWrapper, name: string): string | undefined {
  return nodeHeader(this.nodeHeaders, name);
}

function readBodyOfNode(this: NodeWrapper, limitBytes: number): Promise<Uint8Array> {
  return readWebBody(this.context, limitBytes);
}

/**
 * Wraps a Hono request for core. On `@hono/node-server` headers, peer address and TLS come
 * straight from Node's `IncomingMessage`: reading `c.req.header()` there would first copy
 * every header into a Web `Headers` object, and Node joins repeated `Cookie` headers with
 * "; " where `Headers` uses ", ". Elsewhere they come from the Web request, TLS from the
 * URL's scheme, and the peer address from `remoteAddress(c)` when given.
 */
export function toHonoLatchkeyRequest(c: Context, remoteAddress?: (c: Context) => string | undefined): LatchkeyRequest {
  const incoming = nodeIncomingOf(c.env);
  const url = c.req.url;
  if (incoming !== undefined) {
    const wrapper: NodeWrapper = {
      method: c.req.method,
      path: pathOfUrl(url),
      header: headerOfNode,
      remoteAddress: remoteAddress === undefined ? remoteAddressOf(incoming.socket) : remoteAddress(c),
      encrypted: isEncrypted(incoming.socket),
      readBody: readBodyOfNode,
      nodeHeaders: incoming.headers,
      context: c,
    };
    return wrapper;
  }
  const raw = c.req.raw;
  return {
    method: c.req.method,
    path: pathOfUrl(url),
    // A Request built in code (tests, service bindings) may carry no Host header; its URL
    // still names the authority the client addressed.
    header: (name: string): string | undefined =>
      raw.headers.get(name) ?? (name === "host" ? hostOfUrl(url) : undefined),
    remoteAddress: remoteAddress?.(c),
    encrypted: url.startsWith("https:"),
    readBody: (limitBytes: number) => readWebBody(c, limitBytes),
  };
}
