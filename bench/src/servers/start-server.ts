/** Starting one bench server from its spec: shared by the bench's server child and the instructions harness. */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { ServerSpec } from "./server-spec.js";

function portOf(address: AddressInfo | string | null): number {
  if (address === null || typeof address === "string") throw new Error("The server is not listening on a TCP port.");
  return address.port;
}

/** Listens on a free port of 127.0.0.1; resolves to the port. */
export function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(portOf(server.address())));
  });
}

/**
 * Starts the server `spec` describes on a free port of 127.0.0.1; resolves to its port and
 * how to stop it. `ownCopy` names the SQLite file the server opens for the spec's file (the
 * bench's server child gives each server a copy of its own). Each kind imports only its own
 * modules, so a bare server's RSS is not inflated by Express, Fastify and the store drivers.
 */
export async function startServer(
  spec: ServerSpec,
  ownCopy: (database: string) => string,
): Promise<{ port: number; close(): Promise<void> }> {
  switch (spec.kind) {
    case "bare-node": {
      const { bareNodeServer } = await import("./bare-node-server.js");
      const server = bareNodeServer(spec.body, spec.headers ?? null);
      return { port: await listen(server), close: () => new Promise((resolve) => server.close(() => resolve())) };
    }
    case "ready": {
      const { readyServer } = await import("./ready-server.js");
      const database = ownCopy(spec.database);
      const running = await readyServer(database, spec.logLevel, spec.settings);
      return { port: Number(new URL(running.url).port), close: () => running.close() };
    }
    case "latchkey-node": {
      const { openStores } = await import("./open-stores.js");
      const { latchkeyNodeServer } = await import("./latchkey-node-server.js");
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
      const { openStores } = await import("./open-stores.js");
      const { fastifyServer } = await import("./fastify-server.js");
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
      const { openStores } = await import("./open-stores.js");
      const stores =
        spec.database === null ? null : await openStores({ type: "sqlite", database: ownCopy(spec.database) });
      const server =
        spec.kind === "express"
          ? (await import("./express-server.js")).expressServer(stores)
          : spec.kind === "hono"
            ? (await import("./hono-server.js")).honoServer(stores, spec.passThrough === true)
            : (await import("./node-route-server.js")).nodeRouteServer(stores);
      return {
        port: await listen(server),
        close: async () => {
          server.close();
          await stores?.close();
        },
      };
    }
    case "peer-express-session": {
      const { expressSessionServer } = await import("./express-session-server.js");
      const peer = await expressSessionServer(spec);
      return { port: await listen(peer.server), close: () => peer.close() };
    }
    case "peer-better-auth": {
      const { betterAuthServer } = await import("./better-auth-server.js");
      return betterAuthServer(spec);
    }
  }
}
