import { connect } from "node:net";

/** One HTTP answer read off a raw socket. */
export interface RawAnswer {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: string;
  /** The answer's body as JSON (fails the caller's assertions when it is not). */
  json: Record<string, unknown>;
  /** The server closed the connection after the answer. */
  closed: boolean;
}

/** Parses the first HTTP/1.1 answer out of the bytes received, or null if it is not whole yet. */
function parseAnswer(bytes: Buffer): Omit<RawAnswer, "closed"> | null {
  const end = bytes.indexOf("\r\n\r\n");
  if (end === -1) return null;
  const [statusLine = "", ...lines] = bytes.subarray(0, end).toString("latin1").split("\r\n");
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers["content-length"] ?? "0");
  if (bytes.length < end + 4 + length) return null;
  const body = bytes.subarray(end + 4, end + 4 + length).toString("utf8");
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(body) as Record<string, unknown>;
  } catch {
    json = {};
  }
  return { status: Number(statusLine.split(" ")[1]), headers, body, json };
}

/**
 * Connects to `url`'s host and port, writes `head` and then `body` (a list of chunks), and
 * only then reads the answer, as simple clients do (Python's http.client, many test
 * suites): the server's answer waits in the kernel meanwhile, and a server that resets the
 * connection while the body is still coming destroys it there. Resolves with the answer once
 * the server has closed the connection, or after `timeoutMs`. Rejects when the connection
 * fails before a whole answer was read: a reset that swallowed the answer is exactly what
 * this looks for.
 */
export function rawExchange(
  url: string,
  head: string,
  body: readonly Buffer[] = [],
  timeoutMs = 20_000,
): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname.replace(/^\[|\]$/g, ""), port: Number(port) });
    const received: Buffer[] = [];
    let settled = false;
    const finish = (closed: boolean, error?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const answer = parseAnswer(Buffer.concat(received));
      if (answer === null)
        reject(
          error ??
            new Error(
              `no whole HTTP answer before the connection ${closed ? "closed" : "timed out"}: ${JSON.stringify(Buffer.concat(received).toString("latin1").slice(0, 300))}`,
            ),
        );
      else resolve({ ...answer, closed });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on("data", (chunk: Buffer) => received.push(chunk));
    socket.on("end", () => finish(true));
    socket.on("close", () => finish(true));
    socket.on("error", (error) => finish(true, error));
    // Nothing is read until everything is sent.
    socket.pause();
    socket.once("connect", async () => {
      socket.write(head);
      for (const chunk of body) {
        if (socket.destroyed || socket.writableEnded) break;
        if (!socket.write(chunk))
          await new Promise<void>((resolve) => {
            const go = (): void => {
              socket.off("drain", go);
              socket.off("close", go);
              resolve();
            };
            socket.on("drain", go);
            socket.on("close", go);
          });
      }
      if (!socket.destroyed) socket.end();
      socket.resume();
    });
  });
}
