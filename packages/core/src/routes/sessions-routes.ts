import { clearSessionCookie } from "../cookies/cookie-policy.js";
import { HttpError } from "../errors.js";
import type { SessionRecord } from "../ports/session-store.js";
import { storeCall } from "../store-call.js";
import { requireSignedIn } from "./account-guards.js";
import { revokedSchema, sessionsResponseSchema } from "./account-schemas.js";
import type { RouteDefinition } from "./route-definition.js";
import { respond } from "./respond.js";
import { detailSchema, errorSchema } from "./schemas.js";

const iso = (ms: number): string => new Date(ms).toISOString();

function describeSession(session: SessionRecord, currentId: string) {
  return {
    id: session.id,
    current: session.id === currentId,
    kind: session.kind,
    createdAt: iso(session.createdAt),
    lastSeenAt: iso(session.lastSeenAt),
    expiresAt: iso(Math.min(session.expiresAt, session.absoluteExpiresAt)),
    ip: session.ip,
    userAgent: session.userAgent,
    label: session.label,
  };
}

export const sessionsRoute: RouteDefinition = {
  name: "sessions",
  methods: ["GET"],
  summary: "Your devices",
  description:
    "The caller's own live sessions and bearer tokens, newest first. `id` is public: it is never the token, and revokes the session through `DELETE {path}/{id}/`.",
  security: ["cookie", "bearer"],
  csrf: false,
  responses: {
    200: { description: "The sessions.", schema: sessionsResponseSchema },
    401: { description: "Not logged in.", schema: errorSchema },
  },
  async handle(engine, req) {
    const { auth, cookies } = await requireSignedIn(engine, req);
    const now = engine.world.clock.now();
    const all = await storeCall("session", () => engine.world.stores.sessions.listUserSessions(String(auth.user.id)));
    const live = all.filter((s) => s.expiresAt > now && s.absoluteExpiresAt > now);
    return respond(
      200,
      { sessions: live.map((s) => describeSession(s.id === auth.session.id ? auth.session : s, auth.session.id)) },
      { cookies },
    );
  },
  item: {
    methods: ["DELETE"],
    summary: "Revoke one session",
    description:
      "Ends one of the caller's sessions or bearer tokens at once, on every server. Revoking the current one is a logout (the cookie is cleared). Another user's id is 404, like an unknown one.",
    responses: {
      200: { description: "Revoked.", schema: detailSchema },
      401: { description: "Not logged in.", schema: errorSchema },
      403: { description: "CSRF check failed.", schema: errorSchema },
      404: { description: "No such session of yours.", schema: errorSchema },
    },
    async handle(engine, req, id) {
      const { auth } = await requireSignedIn(engine, req);
      const session =
        id.length > 64 ? null : await storeCall("session", () => engine.world.stores.sessions.getSession(id));
      // Someone else's id answers exactly as an unknown one: ids reveal nothing about other users.
      if (session === null || session.userId !== String(auth.user.id)) throw new HttpError("not_found");
      await engine.sessions.invalidateSession(session.id);
      const current = session.id === auth.session.id;
      engine.world.logger.info(
        { event: "session_revoked", userId: session.userId, sessionId: session.id, current },
        "session revoked by its user",
      );
      const cookies =
        current && auth.via === "cookie" ? [clearSessionCookie(req, engine.config, engine.world.clock.now())] : [];
      return respond(200, { detail: current ? "Successfully logged out." : "Session revoked." }, { cookies });
    },
  },
};

export const sessionsRevokeOthersRoute: RouteDefinition = {
  name: "sessionsRevokeOthers",
  methods: ["POST"],
  summary: "Log out every other device",
  description: "Ends every session and bearer token of the caller except the one this request came with.",
  security: ["cookie", "bearer"],
  csrf: true,
  responses: {
    200: { description: "How many ended.", schema: revokedSchema },
    401: { description: "Not logged in.", schema: errorSchema },
    403: { description: "CSRF check failed.", schema: errorSchema },
  },
  async handle(engine, req) {
    const { auth } = await requireSignedIn(engine, req);
    const revoked = await engine.sessions.invalidateUserSessions(String(auth.user.id), { exceptId: auth.session.id });
    return respond(200, { revoked });
  },
};
