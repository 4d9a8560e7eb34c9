import type { IncomingMessage, ServerResponse } from "node:http";
import type { Auth, Latchkey, LatchkeyRequest, Requirement } from "@latchkey/core";
import { toLatchkeyRequest } from "./node-request.js";
import { appendCookies, sendNodeResponse } from "./node-response.js";

/** latchkey for `node:http` request handlers. */
export interface NodeLatchkey {
  /** Answers latchkey's own routes; resolves true when it answered, false for any other path. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
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
  /**
   * Authenticates `request` (the wrapper of `req`, built once per call by the caller) and,
   * on success, puts a refreshed session cookie and the CORS headers on `res`, to ride on
   * whatever the app answers. Resolves the result's identity, or `undefined` after
   * answering the failure.
   */
  async function identify(request: LatchkeyRequest, res: ServerResponse): Promise<Auth | null | undefined> {
    const result = await latchkey.authenticateRequest(request);
    if (!result.ok) {
      sendNodeResponse(res, result.response, request.method);
      return undefined;
    }
    appendCookies(res, result.cookies);
    const headers = result.headers;
    for (const name in headers) res.setHeader(name, headers[name] as string);
    return result.auth;
  }

  return {
    async handle(req, res) {
      const request = toLatchkeyRequest(req);
      const response = await latchkey.handle(request);
      if (response === null) return false;
      sendNodeResponse(res, response, request.method);
      return true;
    },
    async authenticate(req, res) {
      const auth = await identify(toLatchkeyRequest(req), res);
      return auth === undefined ? { ok: false } : { ok: true, auth };
    },
    async require(req, res, requirement) {
      // One wrapper for both steps: authorize() only reads it to answer a refusal.
      const request = toLatchkeyRequest(req);
      const auth = await identify(request, res);
      if (auth === undefined) return null;
      const refused = latchkey.authorize(auth, requirement, request);
      if (refused !== null) {
        sendNodeResponse(res, refused, request.method);
        return null;
      }
      return auth;
    },
  };
}
