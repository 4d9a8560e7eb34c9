import { createServer, type Server } from "node:http";
import { createLatchkey } from "@latchkey/core";
import { nodeLatchkey } from "@latchkey/node";
import type { OpenStores } from "./open-stores.js";

/**
 * latchkey's routes on plain `node:http` through `@latchkey/node`, with core's defaults:
 * what an application builds itself when it does not use the ready server (and how the
 * bench serves the Redis and PostgreSQL stores). Any other path is a bare 404.
 */
export function latchkeyNodeServer(open: OpenStores): Server {
  const node = nodeLatchkey(createLatchkey({ stores: open.stores }));
  return createServer((req, res) => {
    node.handle(req, res).then(
      (answered) => {
        if (answered) return;
        res.statusCode = 404;
        res.end();
      },
      () => res.destroy(),
    );
  });
}
