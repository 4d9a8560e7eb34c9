import { isPending, type Awaitable } from "./awaitable.js";
import { resolveConfig } from "./config/resolve-config.js";
import type { LatchkeyOptions } from "./config/options.js";
import type { ResolvedConfig } from "./config/resolved-config.js";
import { enforceCsrf } from "./csrf/csrf-guard.js";
import { issueCsrf } from "./csrf/csrf-issue.js";
import type { Engine } from "./engine.js";
import { HttpError } from "./errors.js";
import { authenticate, type Auth, type AuthResult } from "./http/authenticate.js";
import { createCors } from "./http/cors.js";
import { errorResponse } from "./http/error-response.js";
import { isSafeMethod } from "./http/request-info.js";
import type { LatchkeyRequest, LatchkeyResponse } from "./http/request.js";
import { withSecurityHeaders } from "./http/security-headers.js";
import type { SessionRecord } from "./ports/session-store.js";
import { buildOpenApi } from "./routes/openapi.js";
import { buildDispatchTable, type Dispatch, withTrailingSlashes } from "./routes/dispatch-table.js";
import type { RouteDefinition } from "./routes/route-definition.js";
import { buildRouteMap, ROUTES } from "./routes/route-table.js";
import { respond } from "./routes/respond.js";
import type { SessionCacheStats } from "./sessions/session-cache.js";
import { createSessionManager } from "./sessions/session-manager.js";
import { storeCall } from "./store-call.js";
import { createLoginThrottle } from "./throttle/login-throttle.js";
import { createAccounts, type Accounts } from "./users/accounts.js";
import { hasPermission } from "./users/user-json.js";
import { createAccountLifecycle } from "./accounts/account-lifecycle.js";
import { createOutboxWorker, type OutboxWorker } from "./mail/outbox-worker.js";
import { createAccountThrottle } from "./throttle/account-throttle.js";

/** The outcome of {@link Latchkey.authenticateRequest}. */
export type RequestAuthResult =
  /** Go on: `auth` is the identity (or null when anonymous); set `cookies` and `headers` (CORS) on the response. */
  | { ok: true; auth: Auth | null; cookies: string[]; headers: Readonly<Record<string, string>> }
  /** Stop and send `response` (a bad bearer token, a failed CSRF check, a store that is down). */
  | { ok: false; response: LatchkeyResponse };

/** What an app route demands of the request's identity. */
export type Requirement = { kind: "user" } | { kind: "staff" } | { kind: "permission"; permission: string };

/** Administration of sessions (the CLI's `sessions` and `clearsessions`). */
export interface SessionAdmin {
  /** Sessions of one user, or of everybody, newest first. */
  list(options: { userId?: string; limit?: number }): Promise<SessionRecord[]>;
  /** Ends one session by its public id. */
  revoke(id: string): Promise<void>;
  /** Ends every session and token of a user ("log out everywhere"). Resolves to the count. */
  revokeUser(userId: string): Promise<number>;
  /** Deletes expired sessions from the store. Resolves to the count. */
  clearExpired(): Promise<number>;
  /** Counters of this process's session cache, or null when `sessionCache` is off. */
  cacheStats(): SessionCacheStats | null;
}

/** A configured latchkey instance: the framework-free engine that adapters mount. */
export interface Latchkey {
  readonly config: ResolvedConfig;
  /**
   * Answers a request to one of latchkey's routes, or resolves to null when the path is not
   * one of them (so the app's own routes under the same base path go on). Also answers CORS
   * preflights for every path under the base path. Never rejects: every error becomes a
   * JSON response.
   */
  handle(req: LatchkeyRequest): Promise<LatchkeyResponse | null>;
  /**
   * {@link Latchkey.handle} without a promise when the answer is ready now (whoami from the
   * session cache, any path that is not latchkey's): the response, null, or a promise of
   * either. For adapters on the hot path: each promise and `await` between the request and
   * its answer is a microtask and several hundred instructions per request. Throws only
   * what `handle()` would reject with.
   */
  handleNow(req: LatchkeyRequest): Awaitable<LatchkeyResponse | null>;
  /**
   * For the app's own routes: authenticates the request and, for an unsafe method on a
   * cookie-authenticated request, runs the CSRF check (as Django's CSRF middleware does for
   * every view). Never rejects.
   */
  authenticateRequest(req: LatchkeyRequest): Promise<RequestAuthResult>;
  /**
   * {@link Latchkey.authenticateRequest} without a promise when the identity is known now (a
   * session in memory, a safe method): the result, or a promise of it. Never throws or rejects.
   */
  authenticateRequestNow(req: LatchkeyRequest): Awaitable<RequestAuthResult>;
  /** Null if `auth` satisfies `requirement`, else the 401/403 response to send. */
  authorize(auth: Auth | null, requirement: Requirement, req: LatchkeyRequest): LatchkeyResponse | null;
  /** The CSRF cookie to set on an SPA page load when the browser has none (deployment mode A). */
  ensureCsrfCookie(req: LatchkeyRequest): string[];
  /** Users: creation, passwords, activation. */
  readonly accounts: Accounts;
  readonly sessions: SessionAdmin;
  /** The OpenAPI 3.1 document of the enabled routes. */
  openapi(): Record<string, unknown>;
  /**
   * The durable mail outbox's sender, when the stores have an AccountStore and `mail.transport`
   * is set; call `start()` in each server process (several may run: each message is sent once).
   */
  readonly outbox: OutboxWorker | null;
  /** Resolves once the account work queued after answers (mail to queue, users to create) is done. */
  settled(): Promise<void>;
}

const NO_STORE = "no-store";

/** Strips one trailing slash, so `/api/login` and `/api/login/` are one route. */
function routeKey(path: string): string {
  return path.length > 1 && path.charCodeAt(path.length - 1) === 47 ? path.slice(0, -1) : path;
}

/**
 * Builds a latchkey instance. Options are validated once (every problem reported in one
 * {@link ConfigError}) and frozen.
 */
export function createLatchkey(options: LatchkeyOptions): Latchkey {
  const { config, world } = resolveConfig(options);
  const sessions = createSessionManager(config, world);
  const accounts = createAccounts(config, world, sessions);
  const accountStore = world.stores.accounts ?? null;
  const lifecycle = accountStore === null ? null : createAccountLifecycle(config, world, accountStore);
  const engine: Engine = {
    config,
    world,
    sessions,
    accounts,
    throttle: createLoginThrottle(config, world),
    lifecycle,
    accountThrottle: createAccountThrottle(config, world),
  };
  const outbox =
    accountStore === null || world.mailTransport === null
      ? null
      : createOutboxWorker(config, world, accountStore, world.mailTransport);
  const routeMap = buildRouteMap(ROUTES, config);
  const openapiPaths = new Set(withTrailingSlashes(config.routes.openapi));
  const openapiDocument = buildOpenApi(ROUTES, config);
  const cors = createCors(config, world.logger);
  const dispatch = buildDispatchTable(routeMap, config);
  // The paths of routes with items (`DELETE /sessions/{id}/`), each with the slash its items
  // follow: a path under none of them is no item, and is answered null without cutting and
  // hashing strings from the path of every request to the app's own routes.
  const itemPrefixes = [...routeMap].filter(([, route]) => route.item !== undefined).map(([path]) => `${path}/`);

  /**
   * Adds the CORS headers for this request's origin (none when CORS does not apply) and the
   * security headers every answer of latchkey's carries.
   */
  function withCors(response: LatchkeyResponse, req: LatchkeyRequest): LatchkeyResponse {
    cors.addHeaders(req, response.headers);
    return withSecurityHeaders(response, req, config);
  }

  function withNoStore(response: LatchkeyResponse): LatchkeyResponse {
    response.headers["Cache-Control"] ??= NO_STORE;
    return response;
  }

  function handleNow(req: LatchkeyRequest): Awaitable<LatchkeyResponse | null> {
    const preflight = cors.preflight(req);
    if (preflight !== null) return withSecurityHeaders(preflight, req, config);
    // A promise only when the route's answer is pending: an answer made from memory (whoami
    // from a cache, any path that is not latchkey's) is returned as it is.
    const answer = answerRoute(req);
    if (isPending(answer)) return answer.then((response) => (response === null ? null : withCors(response, req)));
    return answer === null ? null : withCors(answer, req);
  }

  async function handle(req: LatchkeyRequest): Promise<LatchkeyResponse | null> {
    return handleNow(req);
  }

  /** An error a route threw or rejected with, as its JSON answer. */
  function failed(error: unknown, req: LatchkeyRequest): LatchkeyResponse {
    return withNoStore(errorResponse(error, req, world));
  }

  /**
   * A route's answer, as a route answers it: now or a promise (errors become JSON answers
   * either way). `answer` runs with `context` rather than closing over it, so an answer made
   * now (whoami from memory) allocates no closure per request; only a pending one pays for
   * its rejection handler.
   */
  function settle<C>(
    req: LatchkeyRequest,
    context: C,
    answer: (req: LatchkeyRequest, context: C) => Awaitable<LatchkeyResponse>,
  ): Awaitable<LatchkeyResponse> {
    try {
      const response = answer(req, context);
      return isPending(response)
        ? response.then(withNoStore, (error: unknown) => failed(error, req))
        : withNoStore(response);
    } catch (error) {
      return failed(error, req);
    }
  }

  /** A route of the dispatch table, for a method it allows (else its 405). */
  function answerDispatched(req: LatchkeyRequest, entry: Dispatch): Awaitable<LatchkeyResponse> {
    if (!entry.allowed.includes(req.method))
      throw new HttpError("method_not_allowed", { method: req.method }, { headers: { Allow: entry.allowHeader } });
    return entry.route.handle(engine, req);
  }

  /** An item of a route with items, for a method it allows (else its 405). */
  function answerDispatchedItem(
    req: LatchkeyRequest,
    { item, allowHeader, id }: { item: NonNullable<RouteDefinition["item"]>; allowHeader: string; id: string },
  ): Awaitable<LatchkeyResponse> {
    if (!item.methods.includes(req.method))
      throw new HttpError("method_not_allowed", { method: req.method }, { headers: { Allow: allowHeader } });
    return item.handle(engine, req, id);
  }

  function answerRoute(req: LatchkeyRequest): Awaitable<LatchkeyResponse | null> {
    const path = req.path;
    if (openapiPaths.has(path)) {
      if (req.method === "GET" || req.method === "HEAD")
        return respond(200, openapiDocument, { headers: { "Cache-Control": "no-cache" } });
      // Allow names OPTIONS, so OPTIONS answers as on every other route (it was a 405: found by the fuzz suite).
      if (req.method === "OPTIONS") return respond(204, null, { headers: { Allow: "GET, HEAD, OPTIONS" } });
      return errorResponse(
        new HttpError("method_not_allowed", { method: req.method }, { headers: { Allow: "GET, HEAD, OPTIONS" } }),
        req,
        world,
      );
    }
    const entry = dispatch.get(path);
    if (entry === undefined) return isUnderItemRoute(path) ? answerItem(req, routeKey(path)) : null;
    if (req.method === "OPTIONS") return respond(204, null, { headers: { Allow: entry.allowHeader } });
    return settle(req, entry, answerDispatched);
  }

  /** True when `path` may be an item of a route with items: it starts with that route's path and a slash. */
  function isUnderItemRoute(path: string): boolean {
    for (const prefix of itemPrefixes) if (path.startsWith(prefix)) return true;
    return false;
  }

  /** `{path}/{id}` of a route with items (`DELETE /sessions/{id}/`), or null (at once, for the app's own paths). */
  function answerItem(req: LatchkeyRequest, key: string): Awaitable<LatchkeyResponse | null> {
    const slash = key.lastIndexOf("/");
    if (slash <= 0) return null;
    const item = routeMap.get(key.slice(0, slash))?.item;
    if (item === undefined) return null;
    const id = decodeURIComponentSafe(key.slice(slash + 1));
    if (id === null || id === "") return null;
    const allowHeader = [...item.methods, "OPTIONS"].join(", ");
    if (req.method === "OPTIONS") return respond(204, null, { headers: { Allow: allowHeader } });
    return settle(req, { item, allowHeader, id }, answerDispatchedItem);
  }

  /** The refusal of an app request whose authentication failed (bad bearer token, CSRF, a store down). */
  function refusal(error: unknown, req: LatchkeyRequest): RequestAuthResult {
    return { ok: false, response: withCors(errorResponse(error, req, world), req) };
  }

  /** The identity found, after the CSRF check an unsafe cookie-authenticated request needs. */
  function authenticated(req: LatchkeyRequest, result: AuthResult): Awaitable<RequestAuthResult> {
    const ok: RequestAuthResult = { ok: true, auth: result.auth, cookies: result.cookies, headers: cors.headers(req) };
    // The app's body stays unread for the app: only a body its parser already read counts.
    if (result.auth !== null && result.auth.via === "cookie" && !isSafeMethod(req.method))
      return enforceCsrf(req, config, { body: "app" }).then(
        () => ok,
        (error: unknown) => refusal(error, req),
      );
    return ok;
  }

  function authenticateRequestNow(req: LatchkeyRequest): Awaitable<RequestAuthResult> {
    try {
      const result = authenticate(engine, req);
      // Only a pending lookup costs a promise: a session in memory is answered at once.
      if (isPending(result))
        return Promise.resolve(result).then(
          (r) => authenticated(req, r),
          (error: unknown) => refusal(error, req),
        );
      return authenticated(req, result);
    } catch (error) {
      return refusal(error, req);
    }
  }

  async function authenticateRequest(req: LatchkeyRequest): Promise<RequestAuthResult> {
    return authenticateRequestNow(req);
  }

  function authorize(auth: Auth | null, requirement: Requirement, req: LatchkeyRequest): LatchkeyResponse | null {
    if (auth === null) return withCors(errorResponse(new HttpError("not_authenticated"), req, world), req);
    const allowed =
      requirement.kind === "user"
        ? true
        : requirement.kind === "staff"
          ? auth.user.isStaff
          : hasPermission(auth.user, requirement.permission);
    return allowed ? null : withCors(errorResponse(new HttpError("permission_denied"), req, world), req);
  }

  const store = world.stores.sessions;
  const sessionAdmin: SessionAdmin = {
    list: (options) =>
      storeCall("session", () =>
        options.userId === undefined
          ? store.listSessions({ limit: options.limit ?? 100 })
          : store.listUserSessions(options.userId),
      ),
    revoke: (id) => sessions.invalidateSession(id),
    revokeUser: (userId) => sessions.invalidateUserSessions(userId),
    clearExpired: () => storeCall("session", () => store.deleteExpiredSessions(world.clock.now())),
    cacheStats: () => sessions.cacheStats(),
  };

  return Object.freeze({
    config,
    handle,
    handleNow,
    authenticateRequest,
    authenticateRequestNow,
    authorize,
    ensureCsrfCookie: (req: LatchkeyRequest) => issueCsrf(engine, req).cookies,
    accounts,
    sessions: sessionAdmin,
    openapi: () => structuredClone(openapiDocument),
    outbox,
    settled: async () => lifecycle?.idle(),
  });
}

function decodeURIComponentSafe(value: string): string | null {
  try {
    return decodeURIComponent(value);
  } catch {
    return null;
  }
}
