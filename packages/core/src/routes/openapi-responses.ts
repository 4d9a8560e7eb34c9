import type { ResolvedConfig } from "../config/resolved-config.js";
import type { DocumentedHeader, RouteDefinition } from "./route-definition.js";

type JsonObject = Record<string, unknown>;

const ERROR_CONTENT = { "application/json": { schema: { $ref: "#/components/schemas/Error" } } };

/** The OpenAPI header objects of a route's {@link DocumentedHeader}s, under their configured names. */
export function documentedHeaders(
  headers: readonly DocumentedHeader[] | undefined,
  config: ResolvedConfig,
): JsonObject {
  const out: JsonObject = {};
  for (const header of headers ?? []) {
    if (header === "csrfToken") {
      out[config.csrf.headerName] = {
        description: "The masked CSRF token: send it back in this header on unsafe requests.",
        required: true,
        schema: { type: "string" },
      };
    } else {
      out["Set-Cookie"] = {
        description: "The session and/or CSRF cookie.",
        required: true,
        schema: { type: "string" },
      };
    }
  }
  return out;
}

/**
 * Adds what every route answers the same way, so a route defined later is documented
 * (and checked by the conformance tests) without repeating it:
 * - a route that accepts bearer tokens answers 401 to a bad `Authorization` header;
 * - a route that reads a body answers 413 past `maxBodyBytes` and 415 for a body that is
 *   neither JSON nor form-encoded;
 * - every answer carries `Cache-Control` (`no-store`: nothing about a session is cached);
 * - every 429 carries `Retry-After` (seconds).
 */
export function addCommonResponses(responses: JsonObject, route: RouteDefinition, method: string): void {
  if (route.requestBody !== undefined && method !== "GET") {
    responses["413"] ??= { description: "Body too large.", content: ERROR_CONTENT };
    responses["415"] ??= { description: "Body is neither JSON nor form-encoded.", content: ERROR_CONTENT };
  }
  if (route.security.includes("bearer")) {
    responses["401"] ??= {
      description:
        "An `Authorization` header was sent and is malformed, or its bearer token is invalid; it never falls back to the cookie.",
      content: ERROR_CONTENT,
    };
  }
  for (const [status, response] of Object.entries(responses)) {
    if (typeof response !== "object" || response === null) continue;
    const headers: JsonObject = { ...((response as JsonObject).headers as JsonObject | undefined) };
    headers["Cache-Control"] ??= {
      description: "`no-store`: no cache keeps an answer about a session.",
      required: true,
      schema: { type: "string" },
    };
    if (status === "429")
      headers["Retry-After"] ??= {
        description: "Seconds to wait before the next attempt.",
        required: true,
        schema: { type: "integer", minimum: 0 },
      };
    (response as JsonObject).headers = headers;
  }
}
