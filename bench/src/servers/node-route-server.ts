import { createServer, type Server, type ServerResponse } from "node:http";
import { createLatchkey } from "@latchkey/core";
import { nodeLatchkey } from "@latchkey/node";
import type { OpenStores } from "./open-stores.js";
import { APP_ROUTE, appRouteBody } from "./server-spec.js";

function sendJson(res: ServerResponse, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(200, { "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(body) });
  res.end(body);
}

/**
 * A `node:http` app with one JSON route. With stores, latchkey's routes go first
 * (`handle()`) and the route is behind `require(req, res, { kind: "user" })`, as
 * `@latchkey/node`'s docs show; without, the same route answers anyone (the baseline).
 * Any other path is a bare 404 in both.
 */
export function nodeRouteServer(open: OpenStores | null): Server {
  if (open === null) {
    return createServer((req, res) => {
      if (req.url === APP_ROUTE) sendJson(res, appRouteBody("bench"));
      else {
        res.statusCode = 404;
        res.end();
      }
    });
  }
  const node = nodeLatchkey(createLatchkey({ stores: open.stores }));
  const answer = async (req: Parameters<typeof node.handle>[0], res: ServerResponse): Promise<void> => {
    if (await node.handle(req, res)) return;
    if (req.url !== APP_ROUTE) {
      res.statusCode = 404;
      res.end();
      return;
    }
    const auth = await node.require(req, res, { kind: "user" });
    if (auth !== null) sendJson(res, appRouteBody(auth.user.username));
  };
  return createServer((req, res) => {
    answer(req, res).catch(() => res.destroy());
  });
}
