import { enforceCsrf } from "../csrf/csrf-guard.js";
import { checkOrigin } from "../csrf/origin-check.js";
import { clearSessionCookie } from "../cookies/cookie-policy.js";
import { HttpError } from "../errors.js";
import { authenticate, staleCookieCleanup } from "../http/authenticate.js";
import type { RouteDefinition } from "./route-definition.js";
import { respond } from "./respond.js";
import { detailSchema, errorSchema } from "./schemas.js";

export const logoutRoute: RouteDefinition = {
  name: "logout",
  methods: ["POST", "GET"],
  summary: "Log out",
  description:
    "Ends the session on the server (the token stops working everywhere at once) and clears the session cookie. `GET` is refused with 405 unless `compat.getLogout` is on.",
  security: ["cookie", "bearer"],
  csrf: true,
  responses: {
    200: { description: "Logged out.", schema: detailSchema },
    400: { description: "The request carries no valid session.", schema: errorSchema },
    403: { description: "CSRF check failed.", schema: errorSchema },
    405: { description: "GET without compat.getLogout.", schema: errorSchema },
    413: {
      description: "A form body (read for its csrfmiddlewaretoken field) over the size limit.",
      schema: errorSchema,
    },
  },
  async handle(engine, req) {
    const { config } = engine;
    if (req.method === "GET" || req.method === "HEAD") {
      if (!config.compat.getLogout)
        throw new HttpError("method_not_allowed", { method: req.method }, { headers: { Allow: "POST, OPTIONS" } });
      // Logout by GET is a Django-SPA habit; even when allowed, a request the browser marks
      // as coming from another site (an <img> on a hostile page) is refused.
      const originError = checkOrigin(req, config);
      if (originError !== null) throw originError;
    }
    const result = await authenticate(engine, req);
    if (result.auth === null)
      throw new HttpError("not_logged_in", {}, { cookies: staleCookieCleanup(engine, req, result) });
    if (result.auth.via === "cookie" && req.method === "POST") await enforceCsrf(req, config, { body: "latchkey" });
    await engine.sessions.invalidateSession(result.auth.session.id);
    engine.world.logger.info(
      { event: "logout", userId: String(result.auth.user.id), sessionId: result.auth.session.id },
      "user logged out",
    );
    if (result.auth.via !== "cookie") return respond(200, { detail: "Successfully logged out." });
    // ASVS 14.3.1: what the browser kept of the ended session (cached answers of the app's
    // authenticated routes, cookies the app set) goes with it. Bearer clients are no browsers.
    const headers: Record<string, string> =
      config.clearSiteDataOnLogout === null ? {} : { "Clear-Site-Data": config.clearSiteDataOnLogout };
    return respond(
      200,
      { detail: "Successfully logged out." },
      { cookies: [clearSessionCookie(req, config, engine.world.clock.now())], headers },
    );
  },
};
