import { isPending } from "../awaitable.js";
import type { Engine } from "../engine.js";
import { HttpError } from "../errors.js";
import { authenticate, staleCookieCleanup, type AuthResult } from "../http/authenticate.js";
import type { LatchkeyRequest, LatchkeyResponse } from "../http/request.js";
import { renderedUser } from "../users/user-json.js";
import type { RouteDefinition } from "./route-definition.js";
import { errorSchema, userSchema } from "./schemas.js";

export const whoamiRoute: RouteDefinition = {
  name: "whoami",
  methods: ["GET"],
  summary: "The current user",
  description: "The logged-in user, in the configured shape (camelCase by default, or DRF's snake_case).",
  security: ["cookie", "bearer"],
  csrf: false,
  responses: {
    200: { description: "The user.", schema: userSchema },
    401: {
      description: "Not logged in (body also says `isAuthenticated: false`), or an invalid bearer token.",
      schema: errorSchema,
    },
  },
  // The hot path: answered synchronously when the session is in memory.
  handle(engine, req) {
    const result = authenticate(engine, req);
    return isPending(result) ? result.then((r) => answer(engine, req, r)) : answer(engine, req, result);
  },
};

function answer(engine: Engine, req: LatchkeyRequest, result: AuthResult): LatchkeyResponse {
  if (result.auth === null)
    throw new HttpError("not_authenticated", {}, { cookies: staleCookieCleanup(engine, req, result) });
  // Rendered and serialised once per cached user object, not per request; the answer is
  // built in one literal (no spread of a second object).
  const user = renderedUser(result.auth.user, engine.config.userShape);
  return {
    status: 200,
    headers: {},
    cookies: result.cookies,
    body: user.json,
    bodyText: user.text,
    bodyLength: user.contentLength,
  };
}
