import type { ServerResponse } from "node:http";
import type { Socket } from "node:net";

/**
 * How long a connection being closed keeps reading, and discarding, what the client still
 * sends, in milliseconds. nginx's `lingering_time` is 30 s; a refused body of a few MiB
 * arrives well within this on any link a browser uses, and the bound keeps a client that
 * never stops sending from holding the connection.
 */
export const LINGER_MS = 5_000;

const lingering = new WeakSet<Socket>();

/**
 * Closes a connection the way nginx's `lingering_close` does: send our FIN once the answer
 * already written is flushed, then keep reading and throwing away what the client still
 * sends until it closes its side, for at most `lingerMs`, and only then close.
 *
 * Why: closing a socket while request bytes are still arriving or unread makes the kernel
 * answer them with a TCP reset, and a reset makes the client's kernel drop whatever it had
 * received but not yet handed to the client, our answer included. A client sending a 2 MiB
 * body then sees "connection reset" instead of the 413 (RFC 9112 §9.6, "tear-down").
 */
export function closeLingering(socket: Socket, lingerMs: number = LINGER_MS): void {
  if (lingering.has(socket)) return;
  lingering.add(socket);
  const close = (): void => {
    socket.destroy();
  };
  const timer = setTimeout(close, lingerMs);
  timer.unref();
  socket.once("close", () => clearTimeout(timer));
  // The client has sent everything and closed its side: nothing can be reset any more.
  socket.once("end", close);
  socket.on("error", close);
  socket.end();
  // Bytes the HTTP parser no longer wants still have to leave the kernel's buffer.
  socket.resume();
}

/**
 * For an answer that closes the connection before the request body was read (a 413, a
 * refused `Expect`): discards the rest of the body instead of buffering it, and makes the
 * close that Node performs once the answer is written a lingering one ({@link closeLingering}).
 * Does nothing when the whole request was read.
 */
export function lingerAfterAnswer(res: ServerResponse): void {
  const socket = res.socket;
  if (socket === null || res.req.complete) return;
  // Read and discard: the body is refused, and a paused stream would stop the socket too.
  res.req.removeAllListeners("data");
  res.req.resume();
  // Node ends a `Connection: close` answer's socket with destroySoon() as soon as the answer
  // is flushed; on this one socket, that close lingers instead.
  socket.destroySoon = () => closeLingering(socket);
}
