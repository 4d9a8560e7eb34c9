import { HttpError } from "../errors.js";
import type { LatchkeyRequest } from "./request.js";

/** A request body, parsed. */
export type ParsedBody =
  | { kind: "empty" }
  | { kind: "json"; value: Record<string, unknown> }
  | { kind: "form"; value: Record<string, string> };

const utf8 = new TextDecoder("utf-8", { fatal: true });

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The media type and charset of a Content-Type header, lower case. */
function contentType(header: string | undefined): { type: string; charset: string | null } | null {
  if (header === undefined || header.trim() === "") return null;
  const [type = "", ...params] = header.split(";");
  let charset: string | null = null;
  for (const param of params) {
    const [key, value] = param.split("=");
    if (key?.trim().toLowerCase() === "charset" && value !== undefined)
      charset = value.trim().replace(/^"|"$/g, "").toLowerCase();
  }
  return { type: type.trim().toLowerCase(), charset };
}

/**
 * Reads and parses a JSON or form-encoded body, refusing everything else with a clear 4xx:
 * 413 past `limitBytes` (checked against Content-Length before reading, and while reading),
 * 415 for other media types or charsets, 400 for bytes that are not UTF-8, JSON that does
 * not parse, or JSON that is not an object. Nothing is stored before the body is whole.
 */
export async function readBody(req: LatchkeyRequest, limitBytes: number): Promise<ParsedBody> {
  if (req.parsedBody !== undefined) {
    if (isPlainObject(req.parsedBody)) {
      // A framework parsed it already; a form parser yields strings, keep only those for forms.
      return { kind: "json", value: req.parsedBody };
    }
    if (req.parsedBody === null || (typeof req.parsedBody === "string" && req.parsedBody === ""))
      return { kind: "empty" };
    throw new HttpError("invalid_body", { reason: "Expected a JSON object." });
  }
  const declared = req.header("content-length");
  if (declared !== undefined && Number(declared) > limitBytes)
    throw new HttpError("body_too_large", { max: limitBytes });
  const type = contentType(req.header("content-type"));
  const bytes = await req.readBody(limitBytes);
  if (bytes.length === 0) return { kind: "empty" };
  if (type === null) throw new HttpError("unsupported_media_type", { type: "(none)" });
  if (type.charset !== null && type.charset !== "utf-8" && type.charset !== "utf8") {
    throw new HttpError("unsupported_media_type", { type: `${type.type}; charset=${type.charset}` });
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new HttpError("invalid_body", { reason: "The request body is not valid UTF-8." });
  }
  if (type.type === "application/json" || type.type.endsWith("+json")) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new HttpError("invalid_json");
    }
    if (!isPlainObject(value)) throw new HttpError("invalid_body", { reason: "Expected a JSON object." });
    return { kind: "json", value };
  }
  if (type.type === "application/x-www-form-urlencoded") {
    const value: Record<string, string> = {};
    for (const [key, field] of new URLSearchParams(text)) if (!(key in value)) value[key] = field;
    return { kind: "form", value };
  }
  throw new HttpError("unsupported_media_type", { type: type.type });
}

/** Each request's body, read once: the CSRF check and the route handler share one read. */
const bodies = new WeakMap<LatchkeyRequest, Promise<ParsedBody>>();

/**
 * {@link readBody}, memoised per request: the stream can be read only once, and both the
 * CSRF check (for a `csrfmiddlewaretoken` form field) and the route need the body. A read
 * that failed fails the same way for every caller.
 */
export function readBodyOnce(req: LatchkeyRequest, limitBytes: number): Promise<ParsedBody> {
  let body = bodies.get(req);
  if (body === undefined) {
    body = readBody(req, limitBytes);
    bodies.set(req, body);
  }
  return body;
}

/** True if the request declares a form-encoded body (`application/x-www-form-urlencoded`). */
export function isFormEncoded(req: LatchkeyRequest): boolean {
  return contentType(req.header("content-type"))?.type === "application/x-www-form-urlencoded";
}

/** The fields of a parsed body, whatever its kind (empty for an empty body). */
export function bodyFields(body: ParsedBody): Record<string, unknown> {
  return body.kind === "empty" ? {} : body.value;
}

/**
 * A string field: undefined when absent, else the string. Non-strings, strings with
 * broken Unicode (lone surrogates, which cannot be stored as UTF-8) and strings past
 * `maxLength` are refused with 400.
 */
export function stringField(fields: Record<string, unknown>, name: string, maxLength: number): string | undefined {
  if (!Object.hasOwn(fields, name)) return undefined;
  const value = fields[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new HttpError("invalid_body", { reason: `${name} must be a string.` });
  if (value.length > maxLength) throw new HttpError("field_too_long", { field: name, max: maxLength });
  if (!value.isWellFormed()) throw new HttpError("invalid_body", { reason: `${name} contains invalid Unicode.` });
  return value;
}
