import { createServer, type Server } from "node:http";

/**
 * The ceiling: `node:http` answering every request with the same JSON as whoami, no auth,
 * no routing. Content-Type and Content-Length as latchkey sends them; or, with `headers`
 * (flat, as `writeHead()` takes them), exactly those in one `writeHead()`: the floor, which
 * sends the ready server's whoami headers (captured from it) with nothing computed.
 */
export function bareNodeServer(body: string, headers: readonly string[] | null = null): Server {
  if (headers !== null) {
    const head = [...headers];
    return createServer((_req, res) => {
      res.writeHead(200, head);
      res.end(body);
    });
  }
  const length = String(Buffer.byteLength(body));
  return createServer((_req, res) => {
    res.setHeader("Content-Type", "application/json; charset=utf-8");
    res.setHeader("Content-Length", length);
    res.end(body);
  });
}
