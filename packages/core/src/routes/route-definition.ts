import type { RouteName } from "@latchkey/protocol";
import type { z } from "zod";
import type { Awaitable } from "../awaitable.js";
import type { Engine } from "../engine.js";
import type { LatchkeyRequest, LatchkeyResponse } from "../http/request.js";

/**
 * A response header the OpenAPI document promises (always present on that status), named
 * here by role because its real name comes from the configuration:
 * - `csrfToken`: the masked CSRF token in the configured header (`X-CSRFToken`);
 * - `setCookie`: a `Set-Cookie` header (the session or CSRF cookie).
 */
export type DocumentedHeader = "csrfToken" | "setCookie";

/** One route: its handler and everything the OpenAPI document says about it. */
export interface RouteDefinition {
  readonly name: RouteName;
  /** Methods the route answers (HEAD is implied by GET, OPTIONS by every route). */
  readonly methods: readonly string[];
  readonly summary: string;
  readonly description: string;
  /** How a client authenticates to this route, for the document. */
  readonly security: readonly ("cookie" | "bearer" | "basic")[];
  /** Whether cookie-authenticated calls need the CSRF header. */
  readonly csrf: boolean;
  readonly requestBody?: z.ZodType;
  readonly responses: Readonly<
    Record<number, { description: string; schema?: z.ZodType; headers?: readonly DocumentedHeader[] }>
  >;
  /** Answers the request: a promise, or the answer itself when it needs no I/O (whoami from a cache). May throw. */
  handle(engine: Engine, req: LatchkeyRequest): Awaitable<LatchkeyResponse>;
  /**
   * The route's items, `{path}/{id}/` (e.g. `DELETE /sessions/{id}/`): dispatched when a path
   * is one segment below one of the route's paths and matches no route itself.
   */
  readonly item?: {
    readonly methods: readonly string[];
    readonly summary: string;
    readonly description: string;
    readonly responses: Readonly<Record<number, { description: string; schema?: z.ZodType }>>;
    handle(engine: Engine, req: LatchkeyRequest, id: string): Promise<LatchkeyResponse>;
  };
}
