import { ERRORS, type ErrorCode } from "@latchkey/protocol";
import type { ClientError, User } from "./types.js";

/** A plain JSON object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}

function isId(value: unknown): value is string | number {
  return typeof value === "string" || typeof value === "number";
}

/**
 * Whether a response body is a user in either shape the server renders. Every field is
 * checked: a body from a misconfigured proxy must not pass for a logged-in user.
 */
export function isUser(value: unknown): value is User {
  if (!isRecord(value) || !isId(value.id) || typeof value.username !== "string" || typeof value.email !== "string")
    return false;
  if (typeof value.firstName === "string") {
    return (
      typeof value.lastName === "string" &&
      typeof value.isActive === "boolean" &&
      typeof value.isStaff === "boolean" &&
      typeof value.isSuperuser === "boolean" &&
      isStringArray(value.groups) &&
      isStringArray(value.permissions) &&
      typeof value.dateJoined === "string" &&
      (value.lastLogin === null || typeof value.lastLogin === "string")
    );
  }
  return (
    typeof value.first_name === "string" &&
    typeof value.last_name === "string" &&
    typeof value.date_joined === "string" &&
    typeof value.is_staff === "boolean"
  );
}

function isErrorCode(value: string): value is ErrorCode {
  return Object.hasOwn(ERRORS, value);
}

/** The body as JSON, or undefined when it is empty or not JSON. */
export async function readJson(response: Response): Promise<unknown> {
  let text: string;
  try {
    text = await response.text();
  } catch {
    return undefined;
  }
  if (text === "") return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed;
  } catch {
    return undefined;
  }
}

/** `Retry-After` in seconds, when it is the delta-seconds form latchkey sends. */
function retryAfterSeconds(response: Response): number | undefined {
  const header = response.headers.get("retry-after");
  if (header === null || !/^\d+$/.test(header.trim())) return undefined;
  return Number(header.trim());
}

/** A {@link ClientError} from an HTTP error response and its (already read) body. */
export function httpError(response: Response, body: unknown): ClientError {
  const detail =
    isRecord(body) && typeof body.detail === "string"
      ? body.detail
      : `HTTP ${response.status}${response.statusText === "" ? "" : ` ${response.statusText}`}`;
  const code = isRecord(body) && typeof body.code === "string" && isErrorCode(body.code) ? body.code : "http_error";
  const retryAfter = retryAfterSeconds(response);
  const base: ClientError =
    retryAfter === undefined
      ? { status: response.status, code, detail }
      : { status: response.status, code, detail, retryAfterSeconds: retryAfter };
  if (code !== "mfa_required" || !isRecord(body)) return base;
  const methods = Array.isArray(body.methods)
    ? body.methods.filter(
        (m): m is "totp" | "webauthn" | "recovery_code" => m === "totp" || m === "webauthn" || m === "recovery_code",
      )
    : [];
  return { ...base, methods, ...(typeof body.mfaToken === "string" ? { mfaToken: body.mfaToken } : {}) };
}

/** The value for a request that got no HTTP answer. */
export function networkError(cause: unknown): ClientError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return { status: 0, code: "network_error", detail: `The server could not be reached: ${reason}` };
}

/** The value for a success response whose body is not what the route promises. */
export function invalidResponse(status: number, what: string): ClientError {
  return { status, code: "invalid_response", detail: `The server's answer is not ${what}.` };
}

/** The `code` of a JSON error response, read from a clone so the caller still gets the body. */
export async function peekErrorCode(response: Response): Promise<string | null> {
  const body = await readJson(response.clone());
  return isRecord(body) && typeof body.code === "string" ? body.code : null;
}
