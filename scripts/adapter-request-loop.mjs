// A short, fixed loop of in-process requests to one of the bench's app routes (GET
// /api/profile/), bare or behind an adapter's requireUser(), for instruction counts under
// `valgrind --tool=callgrind` (stable under machine load, unlike timings):
//
//   valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.%p node scripts/adapter-request-loop.mjs fastify auth 1000
//   valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.%p node scripts/adapter-request-loop.mjs fastify auth 2000
//
// Instructions per request = (total at 2000 − total at 1000) / 1000: start-up, the SQLite
// fixture and warm-up cancel out. The client runs in the same process and costs the same in
// both versions, so (auth − bare) per request is what latchkey adds to the route.
// Adapters: express, fastify, hono, node (`@latchkey/node`'s require()). Needs `npx tsc -b`
// first. Binds 127.0.0.1 on a free port; stops when the loop ends.
import { mkdtempSync, rmSync } from "node:fs";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSqliteFixture } from "../bench/dist/fixtures/sqlite-fixture.js";
import { openStores } from "../bench/dist/servers/open-stores.js";
import { APP_ROUTE } from "../bench/dist/servers/server-spec.js";

const [kind = "", mode = "", countText = "1000"] = process.argv.slice(2);
const count = Number(countText);
const adapters = ["express", "fastify", "hono", "node"];
if (!adapters.includes(kind) || !["bare", "auth"].includes(mode) || !Number.isInteger(count) || count < 1) {
  console.error(`usage: node scripts/adapter-request-loop.mjs ${adapters.join("|")} bare|auth <count>`);
  process.exit(2);
}

/** Starts the bench's server of `kind` on a free port; resolves to its port and how to stop it. */
async function start(open) {
  if (kind === "fastify") {
    const { fastifyServer } = await import("../bench/dist/servers/fastify-server.js");
    const app = await fastifyServer(open);
    await app.listen({ port: 0, host: "127.0.0.1" });
    return { port: app.server.address().port, close: () => app.close() };
  }
  const factories = {
    express: async () => (await import("../bench/dist/servers/express-server.js")).expressServer,
    hono: async () => (await import("../bench/dist/servers/hono-server.js")).honoServer,
    node: async () => (await import("../bench/dist/servers/node-route-server.js")).nodeRouteServer,
  };
  const server = (await factories[kind]())(open);
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: server.address().port, close: () => new Promise((resolve) => server.close(resolve)) };
}

const dir = mkdtempSync(join(tmpdir(), "latchkey-adapter-loop-"));
const database = join(dir, "loop.sqlite3");
const fixture = await createSqliteFixture(database, { sessions: 1, sample: 1, log: () => {} });
const open = mode === "auth" ? await openStores({ type: "sqlite", database }) : null;
const server = await start(open);
try {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const headers = { cookie: `sessionid=${fixture.tokens[0]}` };
  const once = () =>
    new Promise((resolve, reject) => {
      const req = request({ agent, hostname: "127.0.0.1", port: server.port, path: APP_ROUTE, headers }, (res) => {
        res.resume();
        res.on("end", () =>
          res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}, expected 200`)),
        );
      });
      req.on("error", reject);
      req.end();
    });
  for (let i = 0; i < count; i += 1) await once();
  agent.destroy();
  console.error(`${kind} ${mode}: ${count} requests answered 200`);
} finally {
  await server.close();
  await open?.close();
  rmSync(dir, { recursive: true, force: true });
}
