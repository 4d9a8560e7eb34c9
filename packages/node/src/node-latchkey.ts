import type { IncomingMessage, ServerResponse } from "node:http";
import {
  isPending,
  type Auth,
  type Awaitable,
  type Latchkey,
  type LatchkeyRequest,
  type LatchkeyResponse,
  type RequestAuthResult,
  type Requirement,
} from "@latchkey/core";
import { toLatchkeyRequest } from "./node-request.js";
import { applyAuthResult, sendNodeResponse } from "./node-response.js";

/** latchkey for `node:http` request handlers. */
export interface NodeLatchkey {
  /** Answers latchkey's own routes; resolves true when it answered, false for any other path. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /**
   * {@link NodeLatchkey.handle} without a promise when the answer is ready now (whoami from
   * the session cache, any path that is not latchkey's): true or false, or a promise of it.
   * For servers on the hot path (the ready server): each promise between a request and its
   * answer costs a microtask. Throws only what `handle()` would reject with.
   */
  handleNow(req: IncomingMessage, res: ServerResponse): Awaitable<boolean>;
  /**
   * Authenticates a request to one of the app's routes, enforcing CSRF on unsafe
   * cookie-authenticated requests. On failure (bad bearer token, CSRF, store down) it has
   * already answered and resolves `{ ok: false }`; otherwise `auth` is the identity or null.
   */
  authenticate(req: IncomingMessage, res: ServerResponse): Promise<{ ok: true; auth: Auth | null } | { ok: false }>;
  /**
   * Authenticates and checks a requirement (`{ kind: "user" }`, `"staff"`, or a permission).
   * Resolves the identity, or null after answering 401/403 (or the authentication failure).
   */
  require(req: IncomingMessage, res: ServerResponse, requirement: Requirement): Promise<Auth | null>;
}

/** Wraps a latchkey instance for `node:http`. */
export function nodeLatchkey(latchkey: Latchkey): NodeLatchkey {
  // The wrapper of the request `handle()` last passed on (a path that is not latchkey's), for
  // `authenticate()` or `require()` on that same request right after, as apps call them
  // (`if (await node.handle(req, res)) return;` then `await node.require(req, res, …)`): one
  // wrapper and one read of Node's `req.headers` a request instead of two. Taken once, and
  // only by the same request object with the method and URL it had when wrapped: an app that
  // changes `req.method` in between (a method override turning a GET into a POST) gets a new
  // wrapper, so the CSRF check judges the request as it is now. Holds at most one request,
  // until the next one is passed on or this one is taken.
  let passedReq: IncomingMessage | null = null;
  let passedUrl: string | undefined;
  let passedRequest: LatchkeyRequest | null = null;

  /** The wrapper of `req`: the one `handle()` made if it passed `req` on just before, else a new one. */
  function wrapperOf(req: IncomingMessage): LatchkeyRequest {
    const request = passedRequest;
    if (request !== null && passedReq === req && passedUrl === req.url && request.method === (req.method ?? "GET")) {
      passedReq = null;
      passedRequest = null;
      return request;
    }
    return toLatchkeyRequest(req);
  }

  /** Writes latchkey's answer, if it has one (true); else keeps the wrapper for {@link wrapperOf} (false). */
  function answered(
    req: IncomingMessage,
    res: ServerResponse,
    request: LatchkeyRequest,
    response: LatchkeyResponse | null,
  ): boolean {
    if (response === null) {
      passedReq = req;
      passedUrl = req.url;
      passedRequest = request;
      return false;
    }
    sendNodeResponse(res, response, request.method);
    return true;
  }

  function handleNow(req: IncomingMessage, res: ServerResponse): Awaitable<boolean> {
    const request = toLatchkeyRequest(req);
    const response = latchkey.handleNow(request);
    return isPending(response)
      ? response.then((r) => answered(req, res, request, r))
      : answered(req, res, request, response);
  }

  /** What `authenticate()` resolves to once the result is applied (`undefined`: latchkey answered). */
  function authenticated(auth: Auth | null | undefined): { ok: true; auth: Auth | null } | { ok: false } {
    return auth === undefined ? { ok: false } : { ok: true, auth };
  }

  /** What `require()` resolves to once the result is applied: the identity, or null after answering. */
  function required(
    res: ServerResponse,
    request: LatchkeyRequest,
    auth: Auth | null | undefined,
    requirement: Requirement,
  ): Auth | null {
    if (auth === undefined) return null;
    const refused = latchkey.authorize(auth, requirement, request);
    if (refused === null) return auth;
    sendNodeResponse(res, refused, request.method);
    return null;
  }

  // No closure, promise or await of their own when the identity is known now (a session in
  // memory): the one promise each returns is all, and the closures below are made only on a
  // pending lookup. One wrapper for every step: authorize() only reads it to answer a refusal.
  function authenticateNow(req: IncomingMessage, res: ServerResponse): ReturnType<NodeLatchkey["authenticate"]> {
    const request = wrapperOf(req);
    const result = latchkey.authenticateRequestNow(request);
    if (isPending(result))
      return Promise.resolve(result).then((r) => authenticated(applyAuthResult(res, r, request.method)));
    return Promise.resolve(authenticated(applyAuthResult(res, result, request.method)));
  }

  function requireNow(req: IncomingMessage, res: ServerResponse, requirement: Requirement): Promise<Auth | null> {
    const request = wrapperOf(req);
    const result = latchkey.authenticateRequestNow(request);
    if (isPending(result))
      return Promise.resolve(result).then((r) =>
        required(res, request, applyAuthResult(res, r, request.method), requirement),
      );
    return Promise.resolve(required(res, request, applyAuthResult(res, result, request.method), requirement));
  }

  // A throw becomes a rejection, as from an async function: one promise however a step answers.
  return {
    handle(req, res) {
      try {
        return Promise.resolve(handleNow(req, res));
      } catch (error) {
        return Promise.reject(error);
      }
    },
    handleNow,
    authenticate(req, res) {
      try {
        return authenticateNow(req, res);
      } catch (error) {
        return Promise.reject(error);
      }
    },
    require(req, res, requirement) {
      try {
        return requireNow(req, res, requirement);
      } catch (error) {
        return Promise.reject(error);
      }
    },
  };
}
