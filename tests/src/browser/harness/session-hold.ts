import { createServer, request, type Server } from "node:http";

/** A reverse proxy in front of a server that can hold back its session checks. */
export interface HoldingProxy {
  /** `http://localhost:<port>/`: the app, seen through the proxy. */
  readonly url: string;
  /** From now on, `GET <base>/session/` answers wait until {@link release}. */
  holdSessionChecks(): void;
  release(): void;
  close(): Promise<void>;
}

/**
 * Starts, on 127.0.0.1, a reverse proxy to `http://127.0.0.1:<upstreamPort>` that (1) puts
 * `headScript` first in every HTML page's `<head>`, so it runs before any of the page's own
 * scripts, and (2) on demand holds the SPA's first session check back. The same in every
 * engine: none of it needs the driver to intercept requests or inject scripts.
 */
export async function startHoldingProxy(upstreamPort: number, headScript: string): Promise<HoldingProxy> {
  let held: Promise<void> | null = null;
  let releaseHeld: () => void = () => undefined;
  const server: Server = createServer((req, res) => {
    const path = req.url ?? "/";
    const forward = (): void => {
      const headers = { ...req.headers };
      // Plain bodies, so the HTML can be edited.
      delete headers["accept-encoding"];
      const upstream = request(
        { host: "127.0.0.1", port: upstreamPort, method: req.method, path, headers },
        (answer) => {
          const type = String(answer.headers["content-type"] ?? "");
          if (!type.startsWith("text/html")) {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
            return;
          }
          const chunks: Buffer[] = [];
          answer.on("data", (chunk: Buffer) => chunks.push(chunk));
          answer.on("end", () => {
            const html = Buffer.concat(chunks)
              .toString("utf8")
              .replace(/<head>/i, `<head><script>${headScript}</script>`);
            const out = { ...answer.headers };
            delete out["content-length"];
            delete out["etag"];
            res.writeHead(answer.statusCode ?? 502, { ...out, "content-length": Buffer.byteLength(html) });
            res.end(html);
          });
        },
      );
      upstream.on("error", () => res.destroy());
      req.pipe(upstream);
    };
    if (held !== null && req.method === "GET" && /\/session\/?(\?|$)/.test(path)) void held.then(forward);
    else forward();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the holding proxy reported no TCP port");
  return {
    url: `http://localhost:${address.port}/`,
    holdSessionChecks() {
      held = new Promise<void>((resolve) => {
        releaseHeld = resolve;
      });
    },
    release() {
      releaseHeld();
      held = null;
    },
    close: () =>
      new Promise((resolve) => {
        releaseHeld();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
