import { authenticate, staleCookieCleanup } from "../http/authenticate.js";
import { issueCsrf } from "../csrf/csrf-issue.js";
import type { RouteDefinition } from "./route-definition.js";
import { respond } from "./respond.js";
import { csrfResponseSchema, errorSchema, sessionResponseSchema } from "./schemas.js";

export const csrfRoute: RouteDefinition = {
  name: "csrf",
  methods: ["GET"],
  summary: "Get a CSRF token",
  description:
    "Sets the `csrftoken` cookie (readable by script) and returns a masked token in the `X-CSRFToken` response header. Send it back in the `X-CSRFToken` request header on every unsafe request.",
  security: [],
  csrf: false,
  responses: {
    200: {
      description: "CSRF cookie set; token in the X-CSRFToken header.",
      schema: csrfResponseSchema,
      headers: ["csrfToken", "setCookie"],
    },
  },
  async handle(engine, req) {
    const csrf = issueCsrf(engine, req, { refreshCookie: true });
    return respond(
      200,
      { detail: "CSRF cookie set" },
      { cookies: csrf.cookies, headers: { [engine.config.csrf.headerName]: csrf.token } },
    );
  },
};

export const sessionRoute: RouteDefinition = {
  name: "session",
  methods: ["GET"],
  summary: "Is there a logged-in session?",
  description:
    "Answers whether the request carries a valid session, and makes sure the CSRF cookie is set (token also in the `X-CSRFToken` header).",
  security: ["cookie", "bearer"],
  csrf: false,
  responses: {
    200: { description: "Whether the client is logged in.", schema: sessionResponseSchema, headers: ["csrfToken"] },
    401: { description: "A bearer token was sent and is invalid.", schema: errorSchema },
  },
  async handle(engine, req) {
    const result = await authenticate(engine, req);
    const csrf = issueCsrf(engine, req);
    return respond(
      200,
      { isAuthenticated: result.auth !== null },
      {
        cookies: [...result.cookies, ...staleCookieCleanup(engine, req, result), ...csrf.cookies],
        headers: { [engine.config.csrf.headerName]: csrf.token },
      },
    );
  },
};
