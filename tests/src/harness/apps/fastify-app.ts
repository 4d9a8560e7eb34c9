import type { AddressInfo } from "node:net";
import { latchkeyFastify } from "@latchkey/fastify";
import Fastify, { type FastifyReply } from "fastify";
import type { AppFactory } from "../app-under-test.js";
import { createTestLatchkey } from "../test-latchkey.js";
import { echoable } from "./echo.js";

/** The app under test on Fastify 5 with the @latchkey/fastify plugin. */
export const startFastifyApp: AppFactory = async (options = {}) => {
  const { latchkey, clock, databasePath, cleanup } = createTestLatchkey(options);
  const app = Fastify({
    routerOptions: { ignoreTrailingSlash: true },
    // A URL Fastify's router cannot decode never reaches latchkey's hook: answer it with
    // `detail` like every other answer (found by the fuzz suite; see docs/adapters.md).
    frameworkErrors: (error, _request, reply) => {
      const answer: FastifyReply = reply;
      void answer.code(400).send({ detail: error.message });
    },
  });
  await app.register(latchkeyFastify, { latchkey });
  const hello = { preHandler: app.requireUser() };
  app.get("/api/hello", hello, async (request) => ({ hello: request.latchkey?.user.username }));
  app.post("/api/hello", hello, async (request) => ({ hello: request.latchkey?.user.username }));
  app.get("/api/staff", { preHandler: app.requireStaff() }, async (request) => ({
    staff: request.latchkey?.user.username,
  }));
  app.get("/api/reports", { preHandler: app.requirePermission("reports.view") }, async () => ({ reports: [] }));
  app.get("/api/public", async (request) => ({ user: request.latchkey?.user.username ?? null }));
  app.post("/api/public", async (request) => ({
    user: request.latchkey?.user.username ?? null,
    body: echoable(request.body ?? null),
  }));
  app.setNotFoundHandler(async (_request, reply) => reply.code(404).send({ detail: "Not found." }));
  // The app's own bad input (Fastify's body parser refusing a body) with `detail`, as every answer under /api.
  app.setErrorHandler(async (error: { statusCode?: number; message: string }, _request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode < 500 ? error.statusCode : 500;
    return reply.code(status).send({ detail: status < 500 ? error.message : "Server error." });
  });
  await app.listen({ port: 0, host: "127.0.0.1" });
  const { port } = app.server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    latchkey,
    clock,
    databasePath,
    server: app.server,
    async close() {
      await app.close();
      cleanup();
    },
  };
};
