import type { IncomingMessage, ServerResponse } from "node:http";
import { HttpError, isPending, strictTransportSecurity, type Latchkey, type Logger } from "@latchkey/core";
import { nodeLatchkey, pathOf, sendFramingError, toLatchkeyRequest } from "@latchkey/node";
import { sendError, sendJson, setSecurityHeaders } from "./http-replies.js";
import type { Readiness, StoreRole } from "./readiness.js";
import { withReadyDocument } from "./ready-openapi.js";
import type { SpaHandler } from "./spa-handler.js";

/** What the request handler needs. */
export interface RequestHandlerParts {
  latchkey: Latchkey;
  logger: Logger;
  /** The built SPA, or null to answer every non-API path with a JSON 404. */
  spa: SpaHandler | null;
  /** True once shutdown began: responses then close their connection. */
  isShuttingDown(): boolean;
  /**
   * Write an access line (at `info`) for one request in this many: 1 for every request, 0
   * for none. For a request not logged, no listener or clock read is spent on it.
   */
  accessLogEvery: number;
  /** Called each time a request handler has returned (shutdown then closes idle connections). */
  onFinished(): void;
  /** The stores' readiness check, answered at `GET <basePath>/ready/`. */
  checkReady(): Promise<Readiness>;
}

/** The ready server's `node:http` request listener, and the requests it is still working on. */
export interface RequestHandler {
  listener(req: IncomingMessage, res: ServerResponse): void;
  /** Resolves when every request handler running now has returned. */
  settled(): Promise<void>;
}

/** Each kind of data, and the store named for it in a 503's detail (as the store errors name it). */
const STORE_NAMES: Readonly<Record<StoreRole, "user" | "session" | "throttle">> = {
  users: "user",
  sessions: "session",
  throttle: "throttle",
};
const ROLES: readonly StoreRole[] = ["users", "sessions", "throttle"];
/** The methods the readiness route answers. */
const READY_ALLOW = "GET, HEAD, OPTIONS";

function underBasePath(path: string, basePath: string): boolean {
  return basePath !== "" && (path === basePath || path.startsWith(`${basePath}/`));
}

/**
 * Routes a request: the readiness route, then latchkey's routes; any other path under the
 * base path is a JSON 404; the rest goes to the SPA (or is a JSON 404 without one). With the
 * access log on, logs one line per request, or per sampled request (method, path without
 * query, status, duration: never headers, cookies or bodies, which carry session tokens and
 * passwords). A last-resort handler turns any error into a logged 500 JSON answer, so no
 * request can crash the process.
 */
export function createRequestHandler(parts: RequestHandlerParts): RequestHandler {
  const { latchkey, logger, spa, accessLogEvery } = parts;
  let sinceLogged = 0;
  const basePath = latchkey.config.basePath;
  const readyPath = `${basePath}/ready`;
  // Built once: a template literal in the per-request test allocated a string on every request.
  const readyPathSlash = `${readyPath}/`;
  // The served OpenAPI document includes the readiness route below.
  const node = nodeLatchkey(withReadyDocument(latchkey, readyPath));

  /**
   * `GET <basePath>/ready/` for load balancers: 200 when the node can serve (see
   * createReadinessCheck), else 503 with the catalogue's store_unavailable detail naming the
   * store that is down, so the node is taken out of rotation instead of answering 503 to users.
   */
  async function answerReady(req: IncomingMessage, res: ServerResponse, method: string): Promise<void> {
    const readiness = await parts.checkReady();
    const hsts = strictTransportSecurity(toLatchkeyRequest(req), latchkey.config);
    if (hsts !== null) res.setHeader("Strict-Transport-Security", hsts);
    const down = ROLES.find((role) => readiness.stores[role] !== "ok");
    if (readiness.ready || down === undefined) {
      sendJson(res, method, 200, readiness);
      return;
    }
    const error = new HttpError("store_unavailable", { store: STORE_NAMES[down] });
    sendJson(res, method, error.status, { detail: error.detail, code: error.code, ...readiness });
  }

  // Behind a reverse proxy without trustProxy, latchkey sees the proxy's address and scheme:
  // throttling counts every client as one and Secure/Origin checks see http. Say so once.
  let proxyWarned = latchkey.config.trustProxy > 0;
  function warnAboutUntrustedProxy(req: IncomingMessage, headers: IncomingMessage["headers"]): void {
    if (proxyWarned || (headers["x-forwarded-for"] === undefined && headers["x-forwarded-proto"] === undefined)) return;
    proxyWarned = true;
    logger.warn(
      { event: "proxy_headers_ignored", remoteAddress: req.socket.remoteAddress ?? null },
      "X-Forwarded-* headers arrived but trustProxy is off, so they are ignored: behind a reverse proxy, set trustProxy (LATCHKEY_TRUST_PROXY=1)",
    );
  }

  /**
   * Answers a request: undefined when answered already, else a promise that settles when it
   * is. Not an async function, and no await per step: latchkey's answer made from memory
   * (whoami from the session cache or the store's read cache, the hot path) is written before
   * this returns, without a promise (`node.handleNow()`); only a pending answer costs its
   * promise and one `then` (the promise and async-function builtins cost instructions on every
   * request, measured with bench/src/instructions.ts).
   */
  function route(req: IncomingMessage, res: ServerResponse, method: string, path: string): Promise<void> | undefined {
    // Read once: Node's `headers` getter costs about 300 instructions a read (symbol-keyed
    // loads through V8's megamorphic stub, counted with bench/src/instructions.ts).
    const headers = req.headers;
    // RFC 9112 §3.2: a server must answer 400 to an HTTP/1.1 request without Host. Without
    // one, the request's own origin (for the CSRF Origin check) cannot be known either.
    if (req.httpVersion === "1.1" && headers.host === undefined) {
      sendFramingError(
        res,
        method,
        new HttpError("bad_request", { reason: "an HTTP/1.1 request needs a Host header." }),
      );
      return undefined;
    }
    warnAboutUntrustedProxy(req, headers);
    if (parts.isShuttingDown()) res.setHeader("Connection", "close");
    if ((path === readyPath || path === readyPathSlash) && (method === "GET" || method === "HEAD"))
      return answerReady(req, res, method);
    // Any other method on the readiness route: 405 with Allow (and 204 to a plain OPTIONS), as
    // on latchkey's own routes; a CORS preflight still goes to latchkey's CORS answer.
    // (A preflight is an OPTIONS with both Origin and Access-Control-Request-Method.)
    const preflight =
      method === "OPTIONS" && headers.origin !== undefined && headers["access-control-request-method"] !== undefined;
    if ((path === readyPath || path === readyPathSlash) && !preflight) {
      if (method === "OPTIONS") {
        sendJson(res, method, 204, null, { Allow: READY_ALLOW });
        return undefined;
      }
      sendError(res, method, "method_not_allowed", { method }, { Allow: READY_ALLOW });
      return undefined;
    }
    // A promise only when latchkey's answer is pending: whoami from memory is written here.
    const answered = node.handleNow(req, res);
    if (isPending(answered))
      return Promise.resolve(answered).then((done) => (done ? undefined : answerOther(req, res, method, path)));
    return answered ? undefined : answerOther(req, res, method, path);
  }

  /** Any path that is not latchkey's: a JSON 404 under the base path (or without an SPA), else the SPA. */
  function answerOther(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    path: string,
  ): Promise<void> | undefined {
    // Framing and referrer rules for documents: the SPA's pages and files. latchkey's JSON
    // answers carry their own (core adds them; sendJson for the server's own JSON).
    setSecurityHeaders(res, strictTransportSecurity(toLatchkeyRequest(req), latchkey.config));
    if (spa === null || underBasePath(path, basePath)) {
      sendError(res, method, "not_found");
      return undefined;
    }
    return spa.serve(req, res);
  }

  /** The last resort: an error no step answered becomes a logged 500 (or a cut connection once answering began). */
  function failed(res: ServerResponse, method: string, path: string, error: unknown): void {
    try {
      logger.error(
        {
          event: "internal_error",
          method,
          path,
          err: error instanceof Error ? { message: error.message, stack: error.stack } : String(error),
        },
        "unexpected error while handling a request",
      );
      if (!res.headersSent) sendError(res, method, "internal_error");
      else res.destroy();
    } catch {
      res.destroy();
    }
  }

  /** Starts the access log line of a sampled request (written when its response closes). */
  function logAccess(res: ServerResponse, method: string, path: string): void {
    logger.debug({ event: "request_start", method, path }, "request received");
    const started = process.hrtime.bigint();
    res.once("close", () => {
      const durationMs = Number((process.hrtime.bigint() - started) / 1000n) / 1000;
      const fields = { event: "request", method, path, status: res.statusCode, durationMs };
      logger.info(res.writableFinished ? fields : { ...fields, aborted: true }, `${method} ${path} ${res.statusCode}`);
    });
  }

  // Requests in flight, counted (a Set of promises cost two more promises per request).
  let inFlight = 0;
  let idle: { promise: Promise<void>; resolve(): void } | null = null;
  function finished(): void {
    inFlight -= 1;
    if (inFlight === 0 && idle !== null) {
      idle.resolve();
      idle = null;
    }
    parts.onFinished();
  }

  return {
    listener(req, res) {
      inFlight += 1;
      const method = req.method ?? "GET";
      const path = pathOf(req.url);
      let answering: Promise<void> | undefined;
      try {
        // Sampling counts requests rather than drawing at random: exactly one in N is logged.
        if (accessLogEvery > 0 && ++sinceLogged >= accessLogEvery) {
          sinceLogged = 0;
          logAccess(res, method, path);
        }
        answering = route(req, res, method, path);
      } catch (error) {
        failed(res, method, path, error);
      }
      if (answering === undefined) finished();
      else
        answering.then(finished, (error: unknown) => {
          failed(res, method, path, error);
          finished();
        });
    },
    settled() {
      if (inFlight === 0) return Promise.resolve();
      if (idle === null) {
        let resolve = (): void => {};
        const promise = new Promise<void>((r) => {
          resolve = r;
        });
        idle = { promise, resolve };
      }
      return idle.promise;
    },
  };
}
