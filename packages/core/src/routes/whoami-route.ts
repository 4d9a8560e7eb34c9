import { HttpError } from "../errors.js";
import { authenticate, staleCookieCleanup } from "../http/authenticate.js";
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
  async handle(engine, req) {
    const result = await authenticate(engine, req);
    if (result.auth === null)
      throw new HttpError("not_authenticated", {}, { cookies: staleCookieCleanup(engine, req, result) });
    // Rendered and serialised once per cached user object, not per request; the answer is
    // built in one literal (this is the hot path: no spread of a second object).
    const user = renderedUser(result.auth.user, engine.config.userShape);
    return { status: 200, headers: {}, cookies: result.cookies, body: user.json, bodyText: user.text };
  },
};
