import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { authOf, latchkeyExpress } from "@latchkey/express";
import express from "express";
import type { AppFactory } from "../app-under-test.js";
import { createTestLatchkey } from "../test-latchkey.js";
import { echoable } from "./echo.js";

/**
 * The app under test on Express 5 with @latchkey/express, in the recommended order:
 * latchkey's middleware first, then `express.json()` for the app's own routes.
 */
export const startExpressApp: AppFactory = async (options = {}) => {
  const { latchkey, clock, databasePath, cleanup } = createTestLatchkey(options);
  const auth = latchkeyExpress(latchkey);
  const app = express();
  app.disable("x-powered-by");
  app.use(auth.middleware);
  app.use(express.json());
  app.get("/api/hello", auth.requireUser(), (req, res) => {
    res.json({ hello: authOf(req).user.username });
  });
  app.post("/api/hello", auth.requireUser(), (req, res) => {
    res.json({ hello: authOf(req).user.username });
  });
  app.get("/api/staff", auth.requireStaff(), (req, res) => {
    res.json({ staff: authOf(req).user.username });
  });
  app.get("/api/reports", auth.requirePermission("reports.view"), (_req, res) => {
    res.json({ reports: [] });
  });
  app.get("/api/public", (req, res) => {
    res.json({ user: req.latchkey?.user.username ?? null });
  });
  app.post("/api/public", (req, res) => {
    const body: unknown = req.body;
    res.json({ user: req.latchkey?.user.username ?? null, body: echoable(body ?? null) });
  });
  app.use((_req, res) => {
    res.status(404).json({ detail: "Not found." });
  });
  // The app's own bad input (express.json() refusing a body) as JSON, not Express's HTML page
  // with a stack trace (found by the fuzz suite).
  app.use((error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    const status =
      typeof error === "object" &&
      error !== null &&
      "status" in error &&
      typeof error.status === "number" &&
      error.status < 500
        ? error.status
        : 500;
    res.status(status).json({ detail: status < 500 && error instanceof Error ? error.message : "Server error." });
  });
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, "127.0.0.1", () => resolve(listening));
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    latchkey,
    clock,
    databasePath,
    server,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      cleanup();
    },
  };
};
