/**
 * How long a closing connection keeps reading and discarding what the client still sends,
 * in milliseconds (the same bound as `@latchkey/node`'s `LINGER_MS`).
 */
const LINGER_MS = 5_000;

/** The parts of a Node socket the lingering close uses, found structurally (see below). */
interface NodeSocketLike {
  destroySoon(): void;
  destroy(): void;
  end(): void;
  resume(): void;
  once(event: string, listener: () => void): void;
}

/** The parts of a Node `IncomingMessage` it uses. */
interface NodeIncomingLike {
  complete: boolean;
  socket: NodeSocketLike;
  removeAllListeners(event: string): void;
  resume(): void;
}

function hasMethods(value: object, names: readonly string[]): boolean {
  return names.every((name) => typeof Reflect.get(value, name) === "function");
}

/** `@hono/node-server`'s `c.env.incoming`, when the app runs on it and the body is not all read. */
function unreadIncoming(env: unknown): NodeIncomingLike | undefined {
  if (typeof env !== "object" || env === null || !("incoming" in env)) return undefined;
  const incoming: unknown = env.incoming;
  if (typeof incoming !== "object" || incoming === null || !hasMethods(incoming, ["removeAllListeners", "resume"]))
    return undefined;
  if (!("complete" in incoming) || incoming.complete !== false || !("socket" in incoming)) return undefined;
  const socket: unknown = incoming.socket;
  if (
    typeof socket !== "object" ||
    socket === null ||
    !hasMethods(socket, ["destroySoon", "destroy", "end", "resume", "once"])
  )
    return undefined;
  return incoming as NodeIncomingLike;
}

const lingering = new WeakSet<object>();

/**
 * On `@hono/node-server`, makes the close after a 413 a lingering one, as `@latchkey/node`'s
 * `lingerAfterAnswer()` does for the other adapters (nginx's `lingering_close`): the rest of
 * the body is read and thrown away, our FIN follows the answer, and the socket is closed
 * once the client has stopped sending (at most 5 s). Closing while the upload is still
 * arriving makes the kernel reset the connection, and the reset can destroy the 413 before
 * the client reads it. Written structurally rather than imported from `@latchkey/node`, so
 * this package still loads on runtimes without `node:http`; elsewhere it does nothing.
 */
export function lingerOnNodeServer(env: unknown): void {
  const incoming = unreadIncoming(env);
  if (incoming === undefined) return;
  // Drop the Web-stream bridge's listener (it would buffer what is discarded) and drain.
  incoming.removeAllListeners("data");
  incoming.resume();
  const socket = incoming.socket;
  socket.destroySoon = () => {
    if (lingering.has(socket)) return;
    lingering.add(socket);
    const close = (): void => socket.destroy();
    const timer = setTimeout(close, LINGER_MS);
    timer.unref();
    socket.once("close", () => clearTimeout(timer));
    socket.once("end", close);
    socket.once("error", close);
    socket.end();
    socket.resume();
  };
}
