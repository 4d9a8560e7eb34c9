/**
 * One server under test, in a child process of its own (pinned to core 0 with its store):
 * `node server-child.js '<ServerSpec JSON>' [--monitor-event-loop]`. It listens on a free
 * port of 127.0.0.1, tells the runner the port over IPC, and answers `stats` requests
 * (event-loop delay when monitored, heap). It exits on SIGTERM or when the runner goes away.
 */
import { copyFileSync, existsSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { monitorEventLoopDelay, type IntervalHistogram } from "node:perf_hooks";
import { parseRunnerMessage, type ServerStats } from "./messages.js";
import { parseServerSpec, type ServerSpec } from "./servers/server-spec.js";

function send(message: unknown): void {
  process.send?.(message);
}

function portOf(address: AddressInfo | string | null): number {
  if (address === null || typeof address === "string") throw new Error("The server is not listening on a TCP port.");
  return address.port;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(portOf(server.address())));
  });
}

/**
 * A copy of a SQLite fixture for this server alone (with its `-wal` file, if any), next to
 * it. A deployed single-process server is the only server on its file and so skips the
 * per-lookup `PRAGMA data_version` probe; servers of one round sharing a fixture would see
 * each other and probe on every lookup, which no single-server deployment pays.
 */
function ownCopy(database: string): string {
  const copy = `${database}.${process.pid}.sqlite3`;
  copyFileSync(database, copy);
  if (existsSync(`${database}-wal`)) copyFileSync(`${database}-wal`, `${copy}-wal`);
  return copy;
}

/**
 * Starts the server; resolves to its port and how to stop it. Each kind imports only its own
 * modules, so a bare server's RSS is not inflated by Express, Fastify and the store drivers.
 */
async function start(spec: ServerSpec): Promise<{ port: number; close(): Promise<void> }> {
  switch (spec.kind) {
    case "bare-node": {
      const { bareNodeServer } = await import("./servers/bare-node-server.js");
      const server = bareNodeServer(spec.body);
      return { port: await listen(server), close: () => new Promise((resolve) => server.close(() => resolve())) };
    }
    case "ready": {
      const { readyServer } = await import("./servers/ready-server.js");
      const database = ownCopy(spec.database);
      const running = await readyServer(database, spec.logLevel, spec.settings);
      return { port: Number(new URL(running.url).port), close: () => running.close() };
    }
    case "latchkey-node": {
      const { openStores } = await import("./servers/open-stores.js");
      const { latchkeyNodeServer } = await import("./servers/latchkey-node-server.js");
      const stores = await openStores(
        spec.store.type === "sqlite" ? { ...spec.store, database: ownCopy(spec.store.database) } : spec.store,
      );
      const server = latchkeyNodeServer(stores);
      return {
        port: await listen(server),
        close: async () => {
          server.close();
          await stores.close();
        },
      };
    }
    case "fastify": {
      const { openStores } = await import("./servers/open-stores.js");
      const { fastifyServer } = await import("./servers/fastify-server.js");
      const stores =
        spec.database === null ? null : await openStores({ type: "sqlite", database: ownCopy(spec.database) });
      const app = await fastifyServer(stores);
      await app.listen({ port: 0, host: "127.0.0.1" });
      return {
        port: portOf(app.server.address()),
        close: async () => {
          await app.close();
          await stores?.close();
        },
      };
    }
    case "express":
    case "hono":
    case "node-route": {
      // The app routes on a node:http server of their own; each imports only its framework.
      const { openStores } = await import("./servers/open-stores.js");
      const serve =
        spec.kind === "express"
          ? (await import("./servers/express-server.js")).expressServer
          : spec.kind === "hono"
            ? (await import("./servers/hono-server.js")).honoServer
            : (await import("./servers/node-route-server.js")).nodeRouteServer;
      const stores =
        spec.database === null ? null : await openStores({ type: "sqlite", database: ownCopy(spec.database) });
      const server = serve(stores);
      return {
        port: await listen(server),
        close: async () => {
          server.close();
          await stores?.close();
        },
      };
    }
    case "peer-express-session": {
      const { expressSessionServer } = await import("./servers/express-session-server.js");
      const peer = await expressSessionServer(spec);
      return { port: await listen(peer.server), close: () => peer.close() };
    }
    case "peer-better-auth": {
      const { betterAuthServer } = await import("./servers/better-auth-server.js");
      return betterAuthServer(spec);
    }
  }
}

async function main(): Promise<void> {
  const spec = parseServerSpec(process.argv[2] ?? "");
  let loop: IntervalHistogram | null = null;
  if (process.argv.includes("--monitor-event-loop")) {
    // 1 ms sampling: fine enough to see a stall of a few ms, cheap enough not to be one.
    loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
  }
  const server = await start(spec);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    const forced = setTimeout(() => process.exit(0), 3_000);
    forced.unref();
    server.close().finally(() => process.exit(0));
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  process.on("disconnect", stop);
  process.on("message", (raw: unknown) => {
    const message = parseRunnerMessage(raw);
    if (message?.type !== "stats") return;
    const stats: ServerStats = {
      eventLoop:
        loop === null ? null : { p50: loop.percentile(50) / 1e6, p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 },
      heapUsedBytes: process.memoryUsage().heapUsed,
    };
    if (message.reset) loop?.reset();
    send({ type: "stats", stats });
  });
  send({ type: "ready", port: server.port });
}

main().catch((error: unknown) => {
  send({ type: "failed", message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 100);
});
