import { createServer, request, type Server } from "node:http";
import { connect, type Socket } from "node:net";

/**
 * The names the tests give to loopback servers: WebKitGTK has no host-resolver pref, so
 * MiniBrowser is pointed at this forward proxy, which connects every one of them to 127.0.0.1.
 */
export function isTestHost(host: string): boolean {
  return host === "localhost" || host === "127.0.0.1" || /^([a-z0-9-]+\.)*example\.(test|net|com)$/.test(host);
}

/** A forward proxy on 127.0.0.1 (plain HTTP requests and CONNECT tunnels for HTTPS). */
export interface HostProxy {
  readonly port: number;
  close(): Promise<void>;
}

function refuse(socket: Socket): void {
  socket.end("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
}

/**
 * Starts the proxy on a free port of 127.0.0.1. It only ever connects to 127.0.0.1, and only
 * for {@link isTestHost} names: any other host is refused with 403, so the browser under test
 * cannot reach another machine (a page loading a real site's resources, or a mistyped URL
 * resolving on the internet) and the machine's other users cannot use it as an open relay.
 */
export async function startHostProxy(): Promise<HostProxy> {
  // CONNECT tunnels leave the HTTP server's bookkeeping (closeAllConnections() does not see
  // them) but keep server.close() waiting: they are tracked here and destroyed on close.
  const tunnels = new Set<Socket>();
  const track = (socket: Socket): void => {
    tunnels.add(socket);
    socket.once("close", () => tunnels.delete(socket));
  };
  const server: Server = createServer((req, res) => {
    let target: URL;
    try {
      target = new URL(req.url ?? "");
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (target.protocol !== "http:" || !isTestHost(target.hostname)) {
      res.writeHead(403).end();
      return;
    }
    const headers = { ...req.headers };
    delete headers["proxy-connection"];
    const upstream = request(
      {
        host: "127.0.0.1",
        port: target.port === "" ? 80 : Number(target.port),
        method: req.method,
        path: `${target.pathname}${target.search}`,
        headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  server.on("connect", (req, socket: Socket, head: Buffer) => {
    const [host = "", port = ""] = (req.url ?? "").split(":");
    if (!isTestHost(host) || !/^\d+$/.test(port)) {
      refuse(socket);
      return;
    }
    track(socket);
    const upstream = connect(Number(port), "127.0.0.1", () => {
      socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    track(upstream);
    upstream.on("error", () => socket.destroy());
    socket.on("error", () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the host proxy reported no TCP port");
  return {
    port: address.port,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const socket of tunnels) socket.destroy();
      }),
  };
}
