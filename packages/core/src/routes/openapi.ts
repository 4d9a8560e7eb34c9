import { z } from "zod";
import type { ResolvedConfig } from "../config/resolved-config.js";
import { addCommonResponses, documentedHeaders } from "./openapi-responses.js";
import type { RouteDefinition } from "./route-definition.js";
import { errorSchema } from "./schemas.js";

type JsonObject = Record<string, unknown>;

/**
 * Converts a zod schema to JSON Schema (2020-12, as OpenAPI 3.1 uses), moving named
 * sub-schemas into `components.schemas` so each is described once.
 */
function toSchema(schema: z.ZodType, components: JsonObject): JsonObject {
  const json = z.toJSONSchema(schema, { unrepresentable: "any" }) as JsonObject;
  const defs = json.$defs as JsonObject | undefined;
  delete json.$schema;
  delete json.$defs;
  if (defs !== undefined) for (const [name, def] of Object.entries(defs)) components[name] = def;
  const rewritten = JSON.stringify(json).replaceAll('"#/$defs/', '"#/components/schemas/');
  return JSON.parse(rewritten) as JsonObject;
}

/** Routes of the account lifecycle (SPEC §2a), tagged together in the document. */
const ACCOUNT_ROUTES: ReadonlySet<string> = new Set([
  "signup",
  "emailVerify",
  "emailVerifyResend",
  "passwordReset",
  "passwordResetConfirm",
  "reauthenticate",
  "emailChange",
  "accountDelete",
  "sessions",
  "sessionsRevokeOthers",
]);

/** The operations of a route's `{path}/{id}/` items. */
function itemOperations(
  route: RouteDefinition,
  item: NonNullable<RouteDefinition["item"]>,
  components: JsonObject,
): JsonObject {
  const operations: JsonObject = {};
  for (const method of item.methods) {
    const responses: JsonObject = {};
    for (const [status, response] of Object.entries(item.responses)) {
      responses[status] = {
        description: response.description,
        ...(response.schema === undefined
          ? {}
          : { content: { "application/json": { schema: toSchema(response.schema, components) } } }),
      };
    }
    operations[method.toLowerCase()] = {
      operationId: `${route.name}Item${method[0]}${method.slice(1).toLowerCase()}`,
      summary: item.summary,
      description: `${item.description}\n\nCookie-authenticated calls need the CSRF header.\n\nAnswers with or without the trailing slash.`,
      tags: ["accounts"],
      parameters: [
        {
          name: "id",
          in: "path",
          required: true,
          schema: { type: "string" },
          description: "The item's public id (a session's or a passkey's).",
        },
      ],
      security: route.security.map((scheme) => ({ [scheme]: [] })),
      responses,
    };
  }
  return operations;
}

/** The OpenAPI path template for a route path. */
function openapiPath(path: string, withSlash: boolean): string {
  return withSlash && !path.endsWith(".json") ? `${path}/` : path;
}

/**
 * The OpenAPI 3.1 document of the enabled routes, generated from the same definitions the
 * server dispatches on, so the document cannot describe a route that does not exist.
 */
export function buildOpenApi(routes: readonly RouteDefinition[], config: ResolvedConfig): JsonObject {
  const components: JsonObject = {};
  const paths: JsonObject = {};
  const errorRef = toSchema(errorSchema, components);
  components.Error ??= errorRef;
  for (const route of routes) {
    const [primary, ...aliases] = config.routes[route.name];
    if (primary === undefined) continue;
    const operations: JsonObject = {};
    for (const method of route.methods) {
      if (method === "GET" && route.name === "logout" && !config.compat.getLogout) continue;
      const responses: JsonObject = {};
      for (const [status, response] of Object.entries(route.responses)) {
        responses[status] = {
          description: response.description,
          ...(response.headers === undefined ? {} : { headers: documentedHeaders(response.headers, config) }),
          ...(response.schema === undefined
            ? {}
            : { content: { "application/json": { schema: toSchema(response.schema, components) } } }),
        };
      }
      if (!("503" in responses)) {
        responses["503"] = {
          description: "A store is unreachable; nothing was changed.",
          content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
        };
      }
      addCommonResponses(responses, route, method);
      const security = route.security.map((scheme) => ({ [scheme]: [] }));
      const description = [
        route.description,
        route.csrf ? `Cookie-authenticated calls need the \`${config.csrf.headerName}\` header (CSRF).` : "",
        aliases.length > 0 ? `Also served at: ${aliases.map((a) => `\`${a}\``).join(", ")}.` : "",
        "Answers with or without the trailing slash.",
      ]
        .filter((line) => line !== "")
        .join("\n\n");
      operations[method.toLowerCase()] = {
        operationId: route.name + (route.methods.length > 1 ? method[0] + method.slice(1).toLowerCase() : ""),
        summary: route.summary,
        description,
        tags: [
          route.name.startsWith("mfa")
            ? "mfa"
            : ACCOUNT_ROUTES.has(route.name)
              ? "accounts"
              : route.name.startsWith("token")
                ? "tokens"
                : "session",
        ],
        ...(security.length > 0 ? { security: [...security, ...(route.security.includes("basic") ? [{}] : [])] } : {}),
        ...(route.requestBody === undefined || method === "GET"
          ? {}
          : {
              requestBody: {
                required: !route.security.includes("basic"),
                content: {
                  "application/json": { schema: toSchema(route.requestBody, components) },
                  "application/x-www-form-urlencoded": { schema: toSchema(route.requestBody, components) },
                },
              },
            }),
        responses,
      };
    }
    paths[openapiPath(primary, primary !== config.basePath)] = operations;
    if (route.item !== undefined) paths[`${primary}/{id}/`] = itemOperations(route, route.item, components);
  }
  // The document describes itself too, so every enabled route has its place in it (SPEC §2).
  const [documentPath] = config.routes.openapi;
  if (documentPath !== undefined) {
    paths[documentPath] = {
      get: {
        operationId: "openapi",
        summary: "This OpenAPI document",
        description:
          "The OpenAPI 3.1 document of the enabled routes, generated from the definitions the server dispatches on.",
        tags: ["meta"],
        responses: {
          200: { description: "The document.", content: { "application/json": { schema: { type: "object" } } } },
        },
      },
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "latchkey",
      version: "0.1.0",
      description:
        "Session-cookie authentication for single-page apps. Error bodies always carry `detail` and usually a stable `code`.",
    },
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        cookie: {
          type: "apiKey",
          in: "cookie",
          name: config.session.cookieName,
          description: "The HttpOnly session cookie set by login.",
        },
        bearer: { type: "http", scheme: "bearer", description: "A token from the token login route." },
        basic: {
          type: "http",
          scheme: "basic",
          description: "Accepted by the login routes only. latchkey never answers with `WWW-Authenticate: Basic`.",
        },
        csrf: {
          type: "apiKey",
          in: "header",
          name: config.csrf.headerName,
          description: "The CSRF token: required with the cookie on unsafe methods.",
        },
      },
    },
  };
}
