import {
  answerOrAuthenticateNow,
  createPassingRequest,
  finishResponse,
  isPending,
  type Auth,
  type Latchkey,
  type LatchkeyResponse,
  type RequestAuthResult,
  type Requirement,
} from "@latchkey/core";
import { lingerAfterAnswer, toLatchkeyRequest } from "@latchkey/node";
import {
  errorCodes,
  type FastifyPluginAsync,
  type FastifyReply,
  type FastifyRequest,
  type preHandlerHookHandler,
} from "fastify";
import fastifyPlugin from "fastify-plugin";

declare module "fastify" {
  interface FastifyRequest {
    /**
     * The identity latchkey found for this request: the user, the session, and how it
     * authenticated (`"cookie"` or `"bearer"`); `null` for an anonymous request.
     */
    latchkey: Auth | null;
  }
  interface FastifyInstance {
    /** A preHandler guard: 401 `{detail, code: "not_authenticated"}` unless the request has a user. */
    requireUser(): preHandlerHookHandler;
    /**
     * A preHandler guard: 401 for anonymous requests, 403 `{detail, code: "permission_denied"}` for non-staff users.
     */
    requireStaff(): preHandlerHookHandler;
    /**
     * A preHandler guard: 401 for anonymous requests, 403 for users without `permission`
     * (`"app.codename"`, from the user's own or group permissions; superusers have all).
     */
    requirePermission(permission: string): preHandlerHookHandler;
  }
}

/** Options of {@link latchkeyFastify}. */
export interface LatchkeyFastifyOptions {
  /** The configured instance, from `createLatchkey()`. */
  latchkey: Latchkey;
}

/**
 * Copies a core response, finished by core (`finishResponse`: every header, cookie and
 * body rule), onto Fastify's reply, so the app's onSend hooks (e.g. CORS) still apply.
 * Fastify appends, rather than replaces, each `Set-Cookie`, and sends a string with a JSON
 * content type as is (no second serialisation). A closing answer (413) closes lingering.
 */
export function sendFastifyResponse(reply: FastifyReply, response: LatchkeyResponse): FastifyReply {
  const finished = finishResponse(response, reply.request.raw.method ?? "GET");
  reply.code(finished.status);
  const head = finished.headers;
  for (let i = 0; i < head.length; i += 2) reply.header(head[i] as string, head[i + 1]);
  // Discard the unread rest and close lingering, so the client reads the 413, not a reset.
  if (finished.close) lingerAfterAnswer(reply.raw);
  return finished.body === null ? reply.send() : reply.send(finished.body);
}

const plugin: FastifyPluginAsync<LatchkeyFastifyOptions> = async (app, options) => {
  const { latchkey } = options;
  app.decorateRequest("latchkey", null);
  // A guard Fastify calls within the hook's done() (a GET, a body already read) reuses the
  // hook's request wrapper.
  const passing = createPassingRequest<FastifyRequest>();

  /**
   * Applies latchkey's outcome for a request: true when the app goes on with
   * `request.latchkey` set; false when latchkey answered (one of its routes, a bad bearer
   * token, CSRF, a store that is down).
   */
  function identify(request: FastifyRequest, reply: FastifyReply, result: RequestAuthResult): boolean {
    if (!result.ok) {
      sendFastifyResponse(reply, result.response);
      return false;
    }
    // A sliding-expiry refresh of the session cookie rides on whatever the app answers.
    const cookies = result.cookies;
    for (let i = 0; i < cookies.length; i++) reply.header("set-cookie", cookies[i]);
    const headers = result.headers;
    for (const name in headers) reply.header(name, headers[name]);
    request.latchkey = result.auth;
    return true;
  }

  // onRequest runs before Fastify routes the body to its content-type parsers, so latchkey
  // reads its own routes' raw bodies (its 400/413/415 bodies, not Fastify's) and refuses a
  // forged cross-site request before any of its body is parsed. It also runs for paths
  // Fastify has no route for, which is where latchkey's routes live.
  //
  // A callback hook, not an async one: an answer that is ready now (an app request whose
  // session is in memory) goes on at once, without a promise and the microtasks around it;
  // only a store that must be asked makes it wait. A throw here reaches Fastify's error
  // handling through its hook runner, a rejection through `done(error)`: as an async hook's.
  app.addHook("onRequest", (request, reply, done) => {
    const wrapper = toLatchkeyRequest(request.raw);
    const outcome = answerOrAuthenticateNow(latchkey, wrapper);
    // When latchkey answered, `done()` is not called: a callback hook that replied stops there.
    if (!isPending(outcome)) {
      if (identify(request, reply, outcome)) passing.pass(request, wrapper, done);
      return;
    }
    outcome.then(
      (result) => {
        if (identify(request, reply, result)) passing.pass(request, wrapper, done);
      },
      // done() without an error would let the request go on unauthenticated (fail open): a
      // rejection without a reason becomes Fastify's own error for it, as in an async hook.
      (error: unknown) => done(error instanceof Error ? error : new errorCodes.FST_ERR_SEND_UNDEFINED_ERR()),
    );
  });

  function guard(requirement: Requirement): preHandlerHookHandler {
    return (request, reply, done) => {
      const wrapper = passing.wrapperOf(request) ?? toLatchkeyRequest(request.raw);
      const refused = latchkey.authorize(request.latchkey, requirement, wrapper);
      if (refused === null) done();
      else sendFastifyResponse(reply, refused);
    };
  }
  app.decorate("requireUser", () => guard({ kind: "user" }));
  app.decorate("requireStaff", () => guard({ kind: "staff" }));
  app.decorate("requirePermission", (permission: string) => guard({ kind: "permission", permission }));
};

/**
 * latchkey for Fastify 5: `app.register(latchkeyFastify, { latchkey })`. Registered with
 * fastify-plugin, so it applies to the whole app: it answers latchkey's routes, sets
 * `request.latchkey` on every other request (checking CSRF on unsafe cookie-authenticated
 * ones, as Django's CSRF middleware does), and adds the guards `app.requireUser()`,
 * `app.requireStaff()` and `app.requirePermission(p)` for a route's `preHandler`.
 */
export const latchkeyFastify = fastifyPlugin(plugin, { fastify: "5.x", name: "@latchkey/fastify" });
