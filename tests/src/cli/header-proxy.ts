import { readFileSync } from "node:fs";
import {
  createServer as createHttpServer,
  request,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";

/** An answer's headers as the proxy passes them on; `rewrite` changes them in place. */
export type AnswerHeaders = IncomingHttpHeaders;

/** Options of {@link startHeaderProxy}. */
export interface HeaderProxyOptions {
  /** The origin behind the proxy, e.g. `http://127.0.0.1:41943`. */
  upstream: string;
  /** Changes each answer's headers, as a misconfigured proxy or CORS layer would. */
  rewrite(headers: AnswerHeaders, method: string): void;
  /** Terminate TLS with this certificate (and send X-Forwarded-Proto: https upstream). */
  tls?: { certFile: string; keyFile: string };
}

/** A running proxy. */
export interface HeaderProxy {
  /** `http(s)://127.0.0.1:<port>`. */
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * A real reverse proxy on 127.0.0.1 in front of a real `latchkey serve`, passing requests
 * through unchanged and answers with their headers rewritten: the deployment mistakes the
 * doctor must name (a proxy that drops HSTS, strips a CORS header or `Vary`, rewrites
 * Set-Cookie, or runs on a wrong clock) without a fake of latchkey itself.
 */
export function startHeaderProxy(options: HeaderProxyOptions): Promise<HeaderProxy> {
  const upstream = new URL(options.upstream);
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const headers = {
      ...req.headers,
      host: upstream.host,
      ...(options.tls === undefined
        ? {}
        : { "x-forwarded-proto": "https", "x-forwarded-host": req.headers.host ?? "" }),
    };
    const forward = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers },
      (answer) => {
        const out = { ...answer.headers };
        // Hop-by-hop headers are the proxy's own business.
        for (const hop of ["connection", "keep-alive", "transfer-encoding"]) delete out[hop];
        options.rewrite(out, req.method ?? "GET");
        for (const [name, value] of Object.entries(out)) if (value !== undefined) res.setHeader(name, value);
        res.writeHead(answer.statusCode ?? 502);
        answer.pipe(res);
      },
    );
    forward.once("error", (error) => {
      res.writeHead(502, { "content-type": "text/plain" });
      res.end(`upstream: ${error.message}`);
    });
    req.pipe(forward);
  };
  const server =
    options.tls === undefined
      ? createHttpServer(handle)
      : createHttpsServer({ cert: readFileSync(options.tls.certFile), key: readFileSync(options.tls.keyFile) }, handle);
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `${options.tls === undefined ? "http" : "https"}://127.0.0.1:${port}`,
        stop: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
