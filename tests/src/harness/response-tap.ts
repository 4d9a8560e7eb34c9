import type { IncomingMessage, OutgoingHttpHeaders, Server, ServerResponse } from "node:http";
import type { ObservedResponse } from "./openapi-conformance.js";

type Chunk = string | Uint8Array;

function toBuffer(chunk: unknown, encoding: unknown): Buffer | null {
  if (typeof chunk === "string")
    return Buffer.from(chunk, typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8");
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  return null;
}

/** Header names and values from `writeHead`'s headers argument (an object or a flat [name, value, …] list). */
function headersOf(argument: unknown): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  if (Array.isArray(argument)) {
    for (let i = 0; i + 1 < argument.length; i += 2) out[String(argument[i]).toLowerCase()] = String(argument[i + 1]);
  } else if (typeof argument === "object" && argument !== null) {
    for (const [name, value] of Object.entries(argument as OutgoingHttpHeaders)) {
      if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.map(String) : String(value);
    }
  }
  return out;
}

/**
 * Calls `onResponse` with every response `server` finishes sending: status, headers and
 * body as they went out, whichever framework wrote them (through `setHeader`, `writeHead`,
 * `write` or `end`). Seen on the server side, so a test's own client (fetch, a raw socket,
 * the test client) cannot hide a response from it. A response torn down before it finished
 * (a destroyed socket) is not reported.
 */
export function tapResponses(server: Server, onResponse: (response: ObservedResponse) => void): void {
  server.prependListener("request", (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    let headArgument: Record<string, string | string[]> = {};
    const { write, end, writeHead } = res;
    res.writeHead = function (this: ServerResponse, ...args: unknown[]): ServerResponse {
      const last = args[args.length - 1];
      if (args.length > 1 && typeof last === "object") headArgument = headersOf(last);
      return Reflect.apply(writeHead, this, args) as ServerResponse;
    } as ServerResponse["writeHead"];
    res.write = function (this: ServerResponse, chunk: Chunk, ...rest: unknown[]): boolean {
      const buffer = toBuffer(chunk, rest[0]);
      if (buffer !== null) chunks.push(Buffer.from(buffer));
      return Reflect.apply(write, this, [chunk, ...rest]) as boolean;
    } as ServerResponse["write"];
    res.end = function (this: ServerResponse, ...args: unknown[]): ServerResponse {
      const [chunk, encoding] = args;
      if (typeof chunk !== "function") {
        const buffer = toBuffer(chunk, encoding);
        if (buffer !== null) chunks.push(Buffer.from(buffer));
      }
      return Reflect.apply(end, this, args) as ServerResponse;
    } as ServerResponse["end"];
    res.once("finish", () => {
      const headers: Record<string, string | string[]> = { ...headArgument };
      for (const [name, value] of Object.entries(res.getHeaders())) {
        if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.map(String) : String(value);
      }
      onResponse({
        method: req.method ?? "GET",
        url: req.url ?? "/",
        status: res.statusCode,
        headers,
        body: Buffer.concat(chunks).toString("utf8"),
        requestHeaders: req.headers,
      });
    });
  });
}
