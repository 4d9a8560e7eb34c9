import { connect } from "node:net";

/** A keep-alive client on one connection: `send(n)` sends n requests, one at a time. */
export interface Client {
  send(count: number): Promise<void>;
  close(): void;
}

/**
 * Connects to `port` for GET requests of `path` with the session cookie (none when `token` is
 * null), and checks each answer has the `status` expected (200 by default). A raw socket: the client's own cost stays small and equal for every
 * variant (Content-Length or chunked bodies). One connection for warm-up and count alike:
 * V8 specialises the server's code to the connection's objects, and a new connection
 * after the warm-up would deoptimise and recompile it inside the count.
 */
export function connectClient(port: number, path: string, token: string | null, status = 200): Promise<Client> {
  const cookie = token === null ? "" : `Cookie: sessionid=${token}\r\n`;
  const request = Buffer.from(
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: application/json\r\n${cookie}\r\n`,
    "latin1",
  );
  const statusLine = `HTTP/1.1 ${status} `;
  const socket = connect(port, "127.0.0.1");
  let left = 0;
  let pending = "";
  let settle: { resolve(): void; reject(error: Error): void } | null = null;
  const fail = (error: Error) => {
    settle?.reject(error);
    settle = null;
  };
  const next = () => {
    if (left === 0) {
      const done = settle;
      settle = null;
      done?.resolve();
      return;
    }
    left -= 1;
    socket.write(request);
  };
  socket.on("error", fail);
  socket.on("data", (chunk: Buffer) => {
    pending += chunk.toString("latin1");
    const end = pending.indexOf("\r\n\r\n");
    if (end === -1) return;
    const head = pending.slice(0, end);
    if (!head.startsWith(statusLine)) {
      fail(new Error(`Not a ${status}: ${head.split("\r\n")[0]}`));
      socket.destroy();
      return;
    }
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    let complete: number;
    if (length !== null) complete = end + 4 + Number(length[1]);
    else {
      const last = pending.indexOf("\r\n0\r\n\r\n", end);
      if (last === -1) return;
      complete = last + 7;
    }
    if (pending.length < complete) return;
    pending = pending.slice(complete);
    next();
  });
  const client: Client = {
    send(count) {
      return new Promise((resolve, reject) => {
        settle = { resolve, reject };
        left = count;
        next();
      });
    },
    close: () => socket.end(),
  };
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve(client));
    socket.once("error", reject);
  });
}
