import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

type JsonObject = Record<string, unknown>;

/** One response as it left a server (or reached a client), with lower-case header names. */
export interface ObservedResponse {
  readonly method: string;
  /** The request target as sent: path, maybe with a query string. */
  readonly url: string;
  readonly status: number;
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** The body as text ("" for none). */
  readonly body: string;
  /** The request's headers, lower-case names (to tell a CORS preflight from a plain OPTIONS). */
  readonly requestHeaders: Readonly<Record<string, string | readonly string[] | undefined>>;
}

/** Checks responses against one OpenAPI document. */
export interface ConformanceChecker {
  /**
   * What is wrong with `response` according to the document, each problem one sentence
   * naming the request; empty when it conforms, or when its path is none of the document's
   * (an app's own route).
   */
  check(response: ObservedResponse): string[];
}

const HTTP_METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Strips the query and one trailing slash: how latchkey itself compares paths. */
function routeKey(url: string): string {
  const path = url.split("?")[0] ?? "";
  return path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
}

/** A JSON pointer segment (RFC 6901). */
function pointer(segment: string): string {
  return segment.replaceAll("~", "~0").replaceAll("/", "~1");
}

function headerValue(headers: ObservedResponse["headers"], name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  if (value === undefined) return undefined;
  return typeof value === "string" ? value : value.join(", ");
}

/**
 * A checker for `document`. `aliases` maps other request paths to a documented path (both
 * without trailing slash): latchkey serves each route at its aliases too, and the document
 * names only the first path of each. Every path the document lists is checked, so a route
 * added to the document later is checked without any change here.
 *
 * A response to a documented path must:
 * - for a documented method (HEAD as GET): have a documented status, carry every header the
 *   document marks `required` for it, and, when the document gives a JSON body for it, be
 *   `application/json` with a body valid against the schema (JSON Schema 2020-12, as
 *   OpenAPI 3.1 uses); a status documented without content must have an empty body;
 * - for OPTIONS without a CORS preflight: be 204 with an `Allow` naming every documented method;
 * - for any other method: be 405 with `Allow` and an error body valid against `Error`.
 */
export function createConformanceChecker(
  document: JsonObject,
  aliases: ReadonlyMap<string, string> = new Map(),
): ConformanceChecker {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
  addFormats.default(ajv);
  const documentId = "urn:latchkey:openapi";
  ajv.addSchema(document, documentId);
  const validators = new Map<string, ValidateFunction>();
  function validatorAt(path: string): ValidateFunction {
    let validate = validators.get(path);
    if (validate === undefined) {
      validate = ajv.getSchema(`${documentId}#${path}`);
      if (validate === undefined) throw new Error(`no schema at ${path} in the OpenAPI document`);
      validators.set(path, validate);
    }
    return validate;
  }

  const paths = isObject(document.paths) ? document.paths : {};
  const byKey = new Map<string, string>();
  for (const path of Object.keys(paths)) byKey.set(routeKey(path), path);
  for (const [alias, target] of aliases) {
    const documented = byKey.get(routeKey(target));
    if (documented !== undefined && !byKey.has(routeKey(alias))) byKey.set(routeKey(alias), documented);
  }

  function checkBody(where: string, schemaPath: string, response: ObservedResponse): string[] {
    const contentType = headerValue(response.headers, "content-type") ?? "";
    if (!/^application\/json\b/i.test(contentType))
      return [`${where}: Content-Type is "${contentType}", the document says application/json`];
    let body: unknown;
    try {
      body = JSON.parse(response.body);
    } catch {
      return [`${where}: the body is not JSON: ${response.body.slice(0, 200)}`];
    }
    const validate = validatorAt(schemaPath);
    if (validate(body)) return [];
    const errors = (validate.errors ?? [])
      .map((e) => `${e.instancePath || "(body)"} ${e.message ?? "invalid"}`)
      .join("; ");
    return [`${where}: the body does not match the document's schema (${errors}): ${response.body.slice(0, 300)}`];
  }

  return {
    check(response) {
      const documentPath = byKey.get(routeKey(response.url));
      if (documentPath === undefined) return [];
      const pathItem = paths[documentPath];
      if (!isObject(pathItem)) return [];
      const method = response.method.toUpperCase();
      const where = `${method} ${response.url} → ${response.status} (documented as ${documentPath})`;
      const documentedMethods = HTTP_METHODS.filter((m) => isObject(pathItem[m])).map((m) => m.toUpperCase());
      const allow = (headerValue(response.headers, "allow") ?? "").split(",").map((m) => m.trim().toUpperCase());

      if (method === "OPTIONS" && !documentedMethods.includes("OPTIONS")) {
        // A CORS preflight is answered by the CORS layer, whatever the route (see the CORS tests).
        const { requestHeaders } = response;
        if (
          headerValue(requestHeaders, "origin") !== undefined &&
          headerValue(requestHeaders, "access-control-request-method") !== undefined
        )
          return [];
        const missing = documentedMethods.filter((m) => !allow.includes(m));
        if (response.status !== 204) return [`${where}: OPTIONS should answer 204 with Allow`];
        return missing.length === 0
          ? []
          : [`${where}: Allow "${allow.join(", ")}" lacks the documented ${missing.join(", ")}`];
      }
      const operationMethod = method === "HEAD" && !documentedMethods.includes("HEAD") ? "GET" : method;
      if (!documentedMethods.includes(operationMethod)) {
        if (response.status !== 405)
          return [`${where}: ${method} is not documented for this path, so it should answer 405`];
        if (allow.length === 0 || allow[0] === "") return [`${where}: a 405 must carry Allow`];
        if (method === "HEAD") return [];
        return checkBody(where, `/components/schemas/Error`, response);
      }

      const operationPath = `/paths/${pointer(documentPath)}/${operationMethod.toLowerCase()}`;
      const operation = pathItem[operationMethod.toLowerCase()];
      const responses = isObject(operation) && isObject(operation.responses) ? operation.responses : {};
      const statusKey = [String(response.status), `${String(response.status)[0]}XX`, "default"].find((key) =>
        isObject(responses[key]),
      );
      if (statusKey === undefined)
        return [
          `${where}: status ${response.status} is not documented (documented: ${Object.keys(responses).join(", ")}); body: ${response.body.slice(0, 200)}`,
        ];
      const documented = responses[statusKey] as JsonObject;
      const problems: string[] = [];
      const headers = isObject(documented.headers) ? documented.headers : {};
      for (const [name, spec] of Object.entries(headers)) {
        if (isObject(spec) && spec.required === true && headerValue(response.headers, name) === undefined)
          problems.push(`${where}: the documented header ${name} is missing`);
      }
      if (method === "HEAD") return problems;
      const content = isObject(documented.content) ? documented.content : undefined;
      if (content === undefined) {
        if (response.body !== "")
          problems.push(
            `${where}: the document gives no body for ${response.status}, the response has one: ${response.body.slice(0, 200)}`,
          );
        return problems;
      }
      const json = content["application/json"];
      if (!isObject(json) || !isObject(json.schema)) return problems;
      return [
        ...problems,
        ...checkBody(
          where,
          `${operationPath}/responses/${pointer(statusKey)}/content/${pointer("application/json")}/schema`,
          response,
        ),
      ];
    },
  };
}
