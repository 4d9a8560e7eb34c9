import { type ChildProcess, fork } from "node:child_process";
import { connect } from "node:net";
import { fileURLToPath } from "node:url";

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

/** The first message of `child` that `pick` maps to a value, or a rejection on `{ error }` or exit. */
function nextMessage<T>(child: ChildProcess, pick: (message: object) => T | undefined): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (raw: unknown) => {
      if (typeof raw !== "object" || raw === null) return;
      const error: unknown = Reflect.get(raw, "error");
      const value = typeof error === "string" ? undefined : pick(raw);
      if (typeof error !== "string" && value === undefined) return;
      child.off("message", onMessage);
      child.off("exit", onExit);
      if (typeof error === "string") reject(new Error(`client: ${error}`));
      else resolve(value as T);
    };
    const onExit = (code: number | null) => {
      child.off("message", onMessage);
      reject(new Error(`The client process exited (${code}) before answering.`));
    };
    child.on("message", onMessage);
    child.once("exit", onExit);
  });
}

/**
 * {@link connectClient} in a child process of its own (`client-child.js`), driven over IPC,
 * so the process that counts instructions or bytes holds the server alone. Node's own flags
 * are not passed on: the child runs with none (and, under valgrind without
 * `--trace-children`, natively). `close()` ends the connection and the child.
 */
export async function connectClientProcess(
  port: number,
  path: string,
  token: string | null,
  status = 200,
): Promise<Client> {
  const child = fork(CLIENT_SCRIPT, [String(port), path, token ?? "-", String(status)], {
    execArgv: [],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  try {
    await nextMessage(child, (message) => (Reflect.get(message, "connected") === true ? true : undefined));
  } catch (error) {
    child.kill();
    throw error;
  }
  return {
    send(count) {
      const answered = nextMessage(child, (message) => (Reflect.get(message, "sent") === count ? true : undefined));
      child.send({ send: count });
      return answered.then(() => undefined);
    },
    close: () => child.disconnect(),
  };
}
