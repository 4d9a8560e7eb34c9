import { connect } from "node:net";
import { fileURLToPath } from "node:url";
import { createChildRegistry, logTail } from "./children.js";

const CLIENT_SCRIPT = fileURLToPath(new URL("./client-child.js", import.meta.url));

/**
 * Where the first answer in `received` ends, once all of it has arrived (Content-Length or
 * chunked body); -1 while it has not. Throws if its status line does not start with
 * `statusLine` (e.g. `"HTTP/1.1 200 "`).
 */
export function answerEnd(received: string, statusLine: string): number {
  const end = received.indexOf("\r\n\r\n");
  if (end === -1) return -1;
  const head = received.slice(0, end);
  if (!head.startsWith(statusLine)) throw new Error(`Not a ${statusLine.slice(9, 12)}: ${head.split("\r\n")[0]}`);
  const length = /\r\ncontent-length: *(\d+)/i.exec(head);
  let complete: number;
  if (length !== null) complete = end + 4 + Number(length[1]);
  else {
    const last = received.indexOf("\r\n0\r\n\r\n", end);
    if (last === -1) return -1;
    complete = last + 7;
  }
  return received.length < complete ? -1 : complete;
}

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
    let complete: number;
    try {
      complete = answerEnd(pending, statusLine);
    } catch (error) {
      fail(error as Error);
      socket.destroy();
      return;
    }
    if (complete === -1) return;
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

/** How long the client may take to connect, or to have the answers to one `send()`. Milliseconds. */
const CLIENT_TIMEOUT_MS = 30 * 60_000;

/**
 * {@link connectClient} in a child process of its own (`client-child.js`, started through the
 * bench's child registry and driven over IPC), so the process that counts instructions or
 * bytes holds the server alone. Node's own flags are not passed on: the child runs with none
 * (and, under valgrind without `--trace-children`, natively). Its output goes to `logFile`.
 * A `send()` of the many requests a count makes under callgrind may take minutes; each is
 * bounded by 30 minutes. `close()` stops the child, which ends the connection.
 */
export async function connectClientProcess(
  port: number,
  path: string,
  token: string | null,
  status: number,
  logFile: string,
): Promise<Client> {
  const child = createChildRegistry({ pin: false, cores: 1 }).start({
    script: CLIENT_SCRIPT,
    args: [String(port), path, token ?? "-", String(status)],
    label: "keep-alive client",
    core: 0,
    logFile,
  });
  try {
    await child.next((message) => (message.type === "ready" ? true : null), CLIENT_TIMEOUT_MS);
  } catch (error) {
    await child.stop();
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${logTail(logFile)}`);
  }
  return {
    async send(count) {
      const answered = child.next(
        (message) => (message.type === "sent" && message.count === count ? true : null),
        CLIENT_TIMEOUT_MS,
      );
      child.send({ type: "send", count });
      await answered;
    },
    close: () => void child.stop(),
  };
}
