import { createServer, connect, type Server, type Socket } from "node:net";

/** What a {@link LinkProxy} does to the connections it carries. */
export type LinkState = "open" | "hung" | "refused";

/**
 * A TCP proxy on 127.0.0.1 between one latchkey process and its Redis or PostgreSQL, so a
 * test can cut that one process off while the others (and the server) carry on:
 * - `hang`: bytes stop flowing both ways on the chosen connections, which stay open (a
 *   half-open link, a stalled network); `open` delivers what was held back;
 * - `refuse`: the chosen connections are closed, and new ones closed as soon as they show
 *   what they are (a subscriber that cannot get back).
 * A connection is a *subscriber* once the client sent SUBSCRIBE/SSUBSCRIBE (Redis) or LISTEN
 * (PostgreSQL) on it: the commands go over the wire as plain text.
 */
export interface LinkProxy {
  readonly port: number;
  /** Sets what happens to subscriber connections, or to every connection. */
  set(state: LinkState, which: "subscribers" | "all"): void;
  close(): Promise<void>;
}

interface Link {
  readonly client: Socket;
  readonly upstream: Socket;
  subscriber: boolean;
  held: { to: Socket; chunk: Buffer }[];
}

const SUBSCRIBING = /\b(S?SUBSCRIBE|LISTEN)\b/i;

export async function startLinkProxy(upstreamPort: number): Promise<LinkProxy> {
  const links = new Set<Link>();
  let subscribers: LinkState = "open";
  let everyone: LinkState = "open";
  const stateOf = (link: Link): LinkState => (everyone !== "open" ? everyone : link.subscriber ? subscribers : "open");

  function enforce(link: Link): void {
    const state = stateOf(link);
    if (state === "refused") {
      link.client.destroy();
      link.upstream.destroy();
    } else if (state === "open") {
      for (const { to, chunk } of link.held.splice(0)) to.write(chunk);
    }
  }

  const server: Server = createServer((client) => {
    const upstream = connect(upstreamPort, "127.0.0.1");
    const link: Link = { client, upstream, subscriber: false, held: [] };
    links.add(link);
    const forward = (to: Socket) => (chunk: Buffer) => {
      if (to === upstream && !link.subscriber && SUBSCRIBING.test(chunk.toString("latin1"))) {
        link.subscriber = true;
        enforce(link);
      }
      if (stateOf(link) === "open") to.write(chunk);
      else if (stateOf(link) === "hung") link.held.push({ to, chunk });
    };
    client.on("data", forward(upstream));
    upstream.on("data", forward(client));
    const end = () => {
      links.delete(link);
      client.destroy();
      upstream.destroy();
    };
    client.on("close", end);
    upstream.on("close", end);
    client.on("error", end);
    upstream.on("error", end);
    if (everyone === "refused") end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the proxy has no port");
  return {
    port: address.port,
    set(state, which) {
      if (which === "all") everyone = state;
      else subscribers = state;
      for (const link of [...links]) enforce(link);
    },
    async close() {
      for (const link of [...links]) {
        link.client.destroy();
        link.upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
