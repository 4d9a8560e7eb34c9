import type { ResolvedConfig } from "../config/resolved-config.js";
import { readCookie } from "../cookies/read-cookie.js";
import { HttpError } from "../errors.js";
import type { LatchkeyRequest } from "./request.js";

/** What a request presents to authenticate itself. */
export type Credential =
  | { via: "none" }
  | { via: "cookie"; token: string }
  | { via: "bearer"; token: string }
  /** An Authorization header that claims a bearer scheme but is malformed. */
  | { via: "invalid"; error: HttpError };

const BEARER_SCHEMES = new Set(["bearer", "token"]);

/**
 * The request's credential. An `Authorization: Bearer <t>` (or DRF's `Token <t>`) header
 * takes precedence over the cookie and, if it is bad, the request fails with 401 rather
 * than falling back to the cookie: a client that meant to use a token must never be
 * silently authenticated as whoever the browser's cookie belongs to. Other schemes (Basic)
 * are left to the routes that accept them.
 */
export function readCredential(req: LatchkeyRequest, config: ResolvedConfig): Credential {
  const authorization = req.header("authorization");
  if (authorization !== undefined) {
    const space = authorization.indexOf(" ");
    const scheme = (space === -1 ? authorization : authorization.slice(0, space)).toLowerCase();
    if (BEARER_SCHEMES.has(scheme)) {
      if (!config.bearer.enabled)
        return {
          via: "invalid",
          error: new HttpError("invalid_authorization_header", { reason: "bearer tokens are disabled." }),
        };
      const token = space === -1 ? "" : authorization.slice(space + 1).trim();
      if (token === "")
        return {
          via: "invalid",
          error: new HttpError("invalid_authorization_header", { reason: "no credentials provided." }),
        };
      if (token.includes(" "))
        return {
          via: "invalid",
          error: new HttpError("invalid_authorization_header", { reason: "the token must not contain spaces." }),
        };
      return { via: "bearer", token };
    }
  }
  const token = readCookie(req.header("cookie"), config.session.cookieName);
  return token === undefined || token === "" ? { via: "none" } : { via: "cookie", token };
}

/**
 * Username and password from `Authorization: Basic`, null when the header is absent or of
 * another scheme. Malformed Basic credentials are a 400 (never a 401 with
 * `WWW-Authenticate: Basic`, which would pop up the browser's login dialog over the SPA).
 */
export function readBasicCredentials(req: LatchkeyRequest): { username: string; password: string } | null {
  const authorization = req.header("authorization");
  if (authorization === undefined) return null;
  const space = authorization.indexOf(" ");
  if (space === -1 || authorization.slice(0, space).toLowerCase() !== "basic") return null;
  const encoded = authorization.slice(space + 1).trim();
  if (encoded === "" || encoded.includes(" "))
    throw new HttpError("invalid_basic_header", { reason: "credentials must be one base64 string." });
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 !== 0)
    throw new HttpError("invalid_basic_header", { reason: "credentials are not valid base64." });
  let decoded: string;
  try {
    decoded = new TextDecoder("utf-8", { fatal: true }).decode(Buffer.from(encoded, "base64"));
  } catch {
    throw new HttpError("invalid_basic_header", { reason: "credentials are not valid UTF-8." });
  }
  const colon = decoded.indexOf(":");
  if (colon === -1) throw new HttpError("invalid_basic_header", { reason: "credentials must be username:password." });
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
