import { withTrailingSlashes, type Latchkey, type LatchkeyRequest, type LatchkeyResponse } from "@latchkey/core";

type JsonObject = Record<string, unknown>;

const STORE_STATE = { type: "string", enum: ["ok", "unavailable"] };
const STORES = {
  type: "object",
  properties: { users: STORE_STATE, sessions: STORE_STATE, throttle: STORE_STATE },
  required: ["users", "sessions", "throttle"],
  additionalProperties: false,
};
/** Present when the session cache is on: whether this node answers cached sessions now. */
const SESSION_CACHE_STATE = { type: "string", enum: ["serving", "bypassed"] };
const CACHE_CONTROL = {
  "Cache-Control": {
    description: "`no-store`: a probe always reaches the node.",
    required: true,
    schema: { type: "string" },
  },
};

/** The ready server's `GET <basePath>/ready/` operation, for its OpenAPI document. */
function readyOperation(): JsonObject {
  return {
    get: {
      operationId: "ready",
      summary: "Can this node serve?",
      description:
        "For load balancers' health checks (ready server only): one cheap round trip to each store this node uses (SQLite `SELECT 1`, Redis `PING`, PostgreSQL `SELECT 1`), each bounded to 2 s. Reads no session and no user. Answers with or without the trailing slash; HEAD too.",
      tags: ["meta"],
      responses: {
        200: {
          description:
            "Every store answered (with the session cache serving, the session store and the bus are enough: `sessionCache` says so).",
          headers: CACHE_CONTROL,
          content: {
            "application/json": {
              schema: {
                type: "object",
                properties: { ready: { const: true }, stores: STORES, sessionCache: SESSION_CACHE_STATE },
                required: ["ready", "stores"],
                additionalProperties: false,
              },
            },
          },
        },
        503: {
          description:
            "A store did not answer in time: `store_unavailable`, naming the first store that is down, with every store's state.",
          headers: CACHE_CONTROL,
          content: {
            "application/json": {
              schema: {
                type: "object",
                properties: {
                  detail: { type: "string" },
                  code: { const: "store_unavailable" },
                  ready: { const: false },
                  stores: STORES,
                  sessionCache: SESSION_CACHE_STATE,
                },
                required: ["detail", "code", "ready", "stores"],
                additionalProperties: false,
              },
            },
          },
        },
      },
    },
  };
}

/**
 * `latchkey`, with the ready server's readiness route (`readyPath`, without trailing slash)
 * in the OpenAPI document it serves and returns, so clients and the conformance tests see
 * every route the server answers.
 */
export function withReadyDocument(latchkey: Latchkey, readyPath: string): Latchkey {
  const base = latchkey.openapi();
  const paths = typeof base.paths === "object" && base.paths !== null ? (base.paths as JsonObject) : {};
  const document: JsonObject = { ...base, paths: { ...paths, [`${readyPath}/`]: readyOperation() } };
  // With and without the trailing slash, as latchkey matches paths: the request's own path is the key.
  const documentPaths = new Set(withTrailingSlashes(latchkey.config.routes.openapi));
  const withDocument = (response: LatchkeyResponse | null): LatchkeyResponse | null => {
    if (response !== null && response.status === 200) response.body = structuredClone(document);
    return response;
  };
  return Object.freeze({
    ...latchkey,
    handle(req: LatchkeyRequest) {
      // Every other path goes straight to latchkey, without a further async step per request.
      if (!documentPaths.has(req.path)) return latchkey.handle(req);
      return latchkey.handle(req).then(withDocument);
    },
    handleNow(req: LatchkeyRequest) {
      if (!documentPaths.has(req.path)) return latchkey.handleNow(req);
      return latchkey.handle(req).then(withDocument);
    },
    openapi: () => structuredClone(document),
  });
}
