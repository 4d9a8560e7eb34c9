import type { IncomingMessage, ServerResponse } from "node:http";
import type { Auth, Latchkey, Requirement } from "@latchkey/core";
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
  async function authenticate(
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<{ ok: true; auth: Auth | null } | { ok: false }> {
    const request = toLatchkeyRequest(req);
    const result = await latchkey.authenticateRequest(request);
    if (!result.ok) {
      sendNodeResponse(res, result.response, request.method);
      return { ok: false };
    }
    appendCookies(res, result.cookies);
    for (const name in result.headers) res.setHeader(name, result.headers[name] as string);
    return { ok: true, auth: result.auth };
  }

  return {
    async handle(req, res) {
      const request = toLatchkeyRequest(req);
      const response = await latchkey.handle(request);
      if (response === null) return false;
      sendNodeResponse(res, response, request.method);
      return true;
    },
    authenticate,
    async require(req, res, requirement) {
      const result = await authenticate(req, res);
      if (!result.ok) return null;
      const refused = latchkey.authorize(result.auth, requirement, toLatchkeyRequest(req));
      if (refused !== null) {
        sendNodeResponse(res, refused, req.method ?? "GET");
        return null;
      }
      return result.auth;
    },
  };
}
