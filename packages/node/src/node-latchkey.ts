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

/** A promise of what `step` returns, or of what it throws: one promise however the step answers. */
function settled<T>(step: () => Awaitable<T>): Promise<T> {
  try {
    return Promise.resolve(step());
  } catch (error) {
    return Promise.reject(error);
  }
}

/** Wraps a latchkey instance for `node:http`. */
export function nodeLatchkey(latchkey: Latchkey): NodeLatchkey {
  /** Writes latchkey's answer, if it has one: true when it answered. */
  function answered(res: ServerResponse, response: LatchkeyResponse | null, method: string): boolean {
    if (response === null) return false;
    sendNodeResponse(res, response, method);
    return true;
  }

  function handleNow(req: IncomingMessage, res: ServerResponse): Awaitable<boolean> {
    const request = toLatchkeyRequest(req);
    const response = latchkey.handleNow(request);
    return isPending(response)
      ? response.then((r) => answered(res, r, request.method))
      : answered(res, response, request.method);
  }

  /**
   * Authenticates `req` and hands its result to `then`, without a promise or await of its own
   * when the identity is known now (a session in memory): the caller's one promise is all.
   */
  function authenticateThen<T>(
    req: IncomingMessage,
    res: ServerResponse,
    then: (request: LatchkeyRequest, auth: Auth | null | undefined) => T,
  ): Awaitable<T> {
    // One wrapper for every step: authorize() only reads it to answer a refusal.
    const request = toLatchkeyRequest(req);
    const result = latchkey.authenticateRequestNow(request);
    return isPending(result)
      ? result.then((r) => then(request, applyAuthResult(res, r, request.method)))
      : then(request, applyAuthResult(res, result, request.method));
  }

  return {
    handle: (req, res) => settled(() => handleNow(req, res)),
    handleNow,
    authenticate: (req, res) =>
      settled(() =>
        authenticateThen(req, res, (_request, auth) =>
          auth === undefined ? ({ ok: false } as const) : ({ ok: true, auth } as const),
        ),
      ),
    require: (req, res, requirement) =>
      settled(() =>
        authenticateThen(req, res, (request, auth) => {
          if (auth === undefined) return null;
          const refused = latchkey.authorize(auth, requirement, request);
          if (refused !== null) {
            sendNodeResponse(res, refused, request.method);
            return null;
          }
          return auth;
        }),
      ),
  };
}
