import { connect } from "node:net";

/** An error reply (`-ERR …`) from Redis. */
export class RedisReplyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RedisReplyError";
  }
}

function encode(args: readonly string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`;
}

/** The reply in `buffer`, `undefined` while incomplete. Handles the simple reply types only. */
function parse(buffer: Buffer): string | null | RedisReplyError | undefined {
  const lineEnd = buffer.indexOf("\r\n");
  if (lineEnd === -1) return undefined;
  const line = buffer.subarray(1, lineEnd).toString("utf8");
  switch (String.fromCharCode(buffer[0] ?? 0)) {
    case "+":
    case ":":
      return line;
    case "-":
      return new RedisReplyError(line);
    case "$": {
      const length = Number(line);
      if (length < 0) return null;
      const end = lineEnd + 2 + length;
      return buffer.length >= end + 2 ? buffer.subarray(lineEnd + 2, end).toString("utf8") : undefined;
    }
    default:
      return new RedisReplyError(`Unexpected reply type in ${JSON.stringify(buffer.toString("utf8", 0, 40))}`);
  }
}

/**
 * Sends one command to the Redis server on 127.0.0.1:`port` over a fresh connection and
 * resolves to its reply (simple, integer or bulk string). For the kit's readiness checks, so
 * they need no client library. Rejects on an error reply, a refused connection or after
 * `timeoutMs` ms.
 */
export function redisCommand(port: number, args: readonly string[], timeoutMs = 1_000): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port });
    let received = Buffer.alloc(0);
    let settled = false;
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      outcome();
    };
    socket.setTimeout(timeoutMs, () =>
      settle(() => reject(new Error(`No reply from 127.0.0.1:${port} in ${timeoutMs} ms.`))),
    );
    socket.on("error", (error) => settle(() => reject(error)));
    socket.on("close", () => settle(() => reject(new Error(`127.0.0.1:${port} closed the connection.`))));
    socket.on("data", (chunk) => {
      received = Buffer.concat([received, chunk]);
      const reply = parse(received);
      if (reply === undefined) return;
      settle(() => (reply instanceof RedisReplyError ? reject(reply) : resolve(reply)));
    });
    socket.write(encode(args));
  });
}
