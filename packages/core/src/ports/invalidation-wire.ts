import type { InvalidationEvent } from "./invalidation-bus.js";

/** Longest id or user id an event may carry on the wire; anything longer is not ours. */
const MAX_ID_LENGTH = 512;

/** The text a bus sends for `event`: compact JSON, the same for every bus implementation. */
export function encodeInvalidation(event: InvalidationEvent): string {
  switch (event.kind) {
    case "session":
      return JSON.stringify({ kind: "session", id: event.id });
    case "user":
      return JSON.stringify({ kind: "user", userId: event.userId });
    case "all":
      return '{"kind":"all"}';
  }
}

function isId(value: unknown): value is string {
  return typeof value === "string" && value.length > 0 && value.length <= MAX_ID_LENGTH;
}

/**
 * The event in a message a bus received. Anything malformed (another program writing on
 * the channel, a newer version's event) becomes `{ kind: "all" }`: dropping every cached
 * session is always safe, ignoring an event might not be.
 */
export function decodeInvalidation(text: string): InvalidationEvent {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: "all" };
  }
  if (typeof value !== "object" || value === null) return { kind: "all" };
  const kind: unknown = "kind" in value ? value.kind : undefined;
  if (kind === "session" && "id" in value && isId(value.id)) return { kind: "session", id: value.id };
  if (kind === "user" && "userId" in value && isId(value.userId)) return { kind: "user", userId: value.userId };
  return { kind: "all" };
}
