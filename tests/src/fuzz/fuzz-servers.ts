import { ADAPTERS } from "../harness/adapters.js";
import type { TestOptions } from "../harness/app-under-test.js";
import { routeAliases } from "../harness/openapi-checked.js";
import { createConformanceChecker } from "../harness/openapi-conformance.js";
import { startReadyServer } from "../harness/ready-server.js";
import type { FuzzServer } from "./fuzz-target.js";

/** The app routes every harness app adds under /api (see AppUnderTest). */
const APP_PATHS = ["/api/hello/", "/api/staff/", "/api/reports/", "/api/public/", "/api/", "/"];

/** A harness app (one adapter, real SQLite) to fuzz; its responses are also checked against its OpenAPI document. */
export async function harnessServer(adapter: string, options: TestOptions = {}): Promise<FuzzServer> {
  const start = ADAPTERS[adapter];
  if (start === undefined) throw new Error(`no adapter named ${adapter}`);
  const app = await start(options);
  return {
    name: `${adapter} adapter`,
    baseUrl: app.baseUrl,
    latchkey: app.latchkey,
    extraPaths: APP_PATHS,
    checker: null,
    close: () => app.close(),
  };
}

/**
 * The ready server in this process (real SQLite), with `LATCHKEY_*` settings from `env`; its answers are checked
 * against the document it serves.
 */
export async function readyServer(env: Readonly<Record<string, string>> = {}): Promise<FuzzServer> {
  const { server, close } = await startReadyServer(env);
  const document = (await (
    await fetch(`${server.url}${server.latchkey.config.basePath}/openapi.json`)
  ).json()) as Record<string, unknown>;
  const checker = createConformanceChecker(document, routeAliases(server.latchkey.config));
  return {
    name: "ready server",
    baseUrl: server.url,
    latchkey: server.latchkey,
    extraPaths: ["/api/ready/", "/", "/index.html", "/favicon.ico"],
    checker,
    close,
  };
}

/** A login throttle no fuzzing run reaches, so generated logins get to the password check. */
const RAISED_THROTTLE = {
  perAccount: { points: 1_000_000, durationSeconds: 900 },
  perIp: { points: 1_000_000, durationSeconds: 900 },
};

/**
 * The servers a fuzzing run covers: every adapter (with the login throttle raised so that
 * generated logins reach the password check, and with Django compat on one of them), and
 * the ready server with its default settings (throttle included).
 */
export const FUZZ_SERVERS: Readonly<Record<string, () => Promise<FuzzServer>>> = Object.freeze({
  node: () => harnessServer("node", { throttle: RAISED_THROTTLE }),
  express: () => harnessServer("express", { throttle: RAISED_THROTTLE }),
  fastify: () => harnessServer("fastify", { compat: "django", throttle: RAISED_THROTTLE }),
  hono: () => harnessServer("hono", { userShape: "drf" }),
  ready: () => readyServer(),
});
