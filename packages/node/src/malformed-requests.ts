import { STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { API_SECURITY_HEADERS, finishResponse, HttpError, type LatchkeyResponse } from "@latchkey/core";
import type { ErrorCode } from "@latchkey/protocol";
import { closeLingering } from "./lingering-close.js";
import { writeNodeResponse } from "./node-response.js";

/** The catalogue code for each error Node's HTTP parser reports (anything else is a 400). */
const PARSER_ERRORS: Readonly<Record<string, ErrorCode>> = {
  HPE_HEADER_OVERFLOW: "headers_too_large",
  HPE_CHUNK_EXTENSIONS_OVERFLOW: "chunk_extensions_too_large",
  ERR_HTTP_REQUEST_TIMEOUT: "request_timeout",
};

/**
 * The JSON answer to a request whose framing cannot be trusted: never cached, with the
 * security headers of every latchkey answer, and the connection closed after it.
 */
function framingAnswer(error: HttpError): LatchkeyResponse {
  return {
    status: error.status,
    headers: { ...API_SECURITY_HEADERS, "Cache-Control": "no-store" },
    cookies: [],
    body: { detail: error.detail, code: error.code },
    close: true,
  };
}

/**
 * The JSON answer to a request that could not be read, as raw HTTP/1.1 bytes (core's finished response, written out by
 * hand).
 */
function rawAnswer(error: HttpError): string {
  const finished = finishResponse(framingAnswer(error), "GET");
  const lines = [`HTTP/1.1 ${finished.status} ${STATUS_CODES[finished.status] ?? "Error"}`];
  const head = finished.headers;
  for (let i = 0; i < head.length; i += 2) lines.push(`${head[i]}: ${head[i + 1]}`);
  return `${lines.join("\r\n")}\r\n\r\n${finished.body ?? ""}`;
}

/** The error of a parse failure: the parser's own reason (a fixed text, never the client's bytes). */
function errorFor(error: Error & { code?: string }): HttpError {
  const code = error.code === undefined ? undefined : PARSER_ERRORS[error.code];
  if (code !== undefined) return new HttpError(code);
  const reason = error.message.startsWith("Parse Error: ")
    ? error.message.slice("Parse Error: ".length)
    : "the request is not valid HTTP/1.1";
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
  writeNodeResponse(res, finishResponse(framingAnswer(error), method));
}
