import { createServer, type Server } from "node:http";

/**
 * The ceiling: `node:http` answering every request with the same JSON as whoami, no auth,
 * no routing. Content-Type and Content-Length as latchkey sends them.
 */
export function bareNodeServer(body: string): Server {
  const length = String(Buffer.byteLength(body));
  return createServer((_req, res) => {
    res.setHeader("Content-Type", "application/json; charset=utf-8");
    res.setHeader("Content-Length", length);
    res.end(body);
  });
}
