import { STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { API_SECURITY_HEADERS, HttpError } from "@latchkey/core";
import { JSON_CONTENT_TYPE, type ErrorCode } from "@latchkey/protocol";
import { closeLingering, lingerAfterAnswer } from "./lingering-close.js";

/** The catalogue code for each error Node's HTTP parser reports (anything else is a 400). */
const PARSER_ERRORS: Readonly<Record<string, ErrorCode>> = {
  HPE_HEADER_OVERFLOW: "headers_too_large",
  HPE_CHUNK_EXTENSIONS_OVERFLOW: "chunk_extensions_too_large",
  ERR_HTTP_REQUEST_TIMEOUT: "request_timeout",
};

/** The JSON answer to a request that could not be read, as raw HTTP/1.1 bytes. */
function rawAnswer(error: HttpError): string {
  const body = JSON.stringify({ detail: error.detail, code: error.code });
  const lines = [
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? "Error"}`,
    `Content-Type: ${JSON_CONTENT_TYPE}`,
    `Content-Length: ${Buffer.byteLength(body)}`,
    "Cache-Control: no-store",
    "X-Content-Type-Options: nosniff",
    ...Object.entries(API_SECURITY_HEADERS).map(([name, value]) => `${name}: ${value}`),
    "Connection: close",
  ];
  return `${lines.join("\r\n")}\r\n\r\n${body}`;
}

/** The error of a parse failure: the parser's own reason (a fixed text, never the client's bytes). */
function errorFor(error: Error & { code?: string }): HttpError {
  const code = error.code === undefined ? undefined : PARSER_ERRORS[error.code];
  if (code !== undefined) return new HttpError(code);
  const reason = error.message.startsWith("Parse Error: ") ? error.message.slice("Parse Error: ".length) : "the request is not valid HTTP/1.1";
  return new HttpError("bad_request", { reason: reason.endsWith(".") ? reason : `${reason}.` });
}

/**
 * True once an answer on this connection has begun to go out: a second answer written
 * after its first bytes would corrupt it (Node's own handler makes the same check).
 */
function answerStarted(socket: Socket): boolean {
  const message = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
  return message !== null && message !== undefined && message.headersSent;
}

const answered = new WeakSet<Socket>();

/**
 * Makes a `node:http` server answer requests it cannot read with latchkey's JSON errors
 * (SPEC §8) instead of Node's bare, empty 400/408/413/431 and 417:
 * - `clientError` (a request line or header that does not parse, headers over
 *   `maxHeaderSize`, oversized chunk extensions, a request that took too long): a JSON
 *   answer with `detail` and `code`, then the connection is closed (lingering, so the client
 *   reads the answer instead of a reset);
 * - `checkExpectation` (an `Expect` other than `100-continue`): 417 `expectation_failed`.
 * A connection already reset by the client, or one whose answer has begun (which a second
 * answer would corrupt), is just closed.
 */
export function answerMalformedRequests(server: Server): void {
  server.on("clientError", (error: Error & { code?: string }, socket: Socket) => {
    // The parser reports every later chunk of a broken connection again; answer once.
    if (answered.has(socket)) return;
    answered.add(socket);
    if (error.code === "ECONNRESET" || !socket.writable || answerStarted(socket)) {
      socket.destroy();
      return;
    }
    socket.write(rawAnswer(errorFor(error)));
    closeLingering(socket);
  });
  server.on("checkExpectation", (req: IncomingMessage, res: ServerResponse) => {
    sendFramingError(res, req.method ?? "GET", new HttpError("expectation_failed"));
  });
}

/**
 * Answers a request whose framing is refused after it was parsed (a refused `Expect`, an
 * HTTP/1.1 request without `Host`) with a JSON error, and closes the connection lingering.
 */
export function sendFramingError(res: ServerResponse, method: string, error: HttpError): void {
  const body = JSON.stringify({ detail: error.detail, code: error.code });
  lingerAfterAnswer(res);
  res.writeHead(error.status, {
    ...API_SECURITY_HEADERS,
    "Content-Type": JSON_CONTENT_TYPE,
    "Content-Length": String(Buffer.byteLength(body)),
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    Connection: "close",
  });
  res.end(method === "HEAD" ? undefined : body);
}
