import type { InvalidationEvent, RevocationTag } from "./invalidation-bus.js";

/** Longest id or user id an event may carry on the wire; anything longer is not ours. */
const MAX_ID_LENGTH = 512;

/** The text a bus sends for `event`: compact JSON, the same for every bus implementation. */
export function encodeInvalidation(event: InvalidationEvent): string {
  switch (event.kind) {
    case "session":
      return JSON.stringify({ kind: "session", id: event.id, ...tagOf(event) });
    case "user":
      return JSON.stringify({ kind: "user", userId: event.userId, ...tagOf(event) });
    case "all":
      return '{"kind":"all"}';
    case "ack":
      return JSON.stringify({ kind: "ack", token: event.token, process: event.process });
  }
}

/** The revocation tag's fields that are present. */
function tagOf(event: RevocationTag): RevocationTag {
  const tag: RevocationTag = {};
  if (event.ack !== undefined) tag.ack = event.ack;
  if (event.counter !== undefined) tag.counter = event.counter;
  return tag;
}

/** The tag fields of a decoded message that are well formed (a malformed one is dropped, never guessed). */
function decodeTag(value: object): RevocationTag {
  const tag: RevocationTag = {};
  if ("ack" in value && isId(value.ack)) tag.ack = value.ack;
  if (
    "counter" in value &&
    typeof value.counter === "number" &&
    Number.isSafeInteger(value.counter) &&
    value.counter > 0
  )
    tag.counter = value.counter;
  return tag;
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
  if (kind === "session" && "id" in value && isId(value.id))
    return { kind: "session", id: value.id, ...decodeTag(value) };
  if (kind === "user" && "userId" in value && isId(value.userId))
    return { kind: "user", userId: value.userId, ...decodeTag(value) };
  // An acknowledgement changes no cache; a malformed one is ignored the same way ("all" is
  // still safe, and a revocation whose acknowledgement is lost waits for the lease instead).
  if (kind === "ack" && "token" in value && isId(value.token) && "process" in value && isId(value.process)) {
    return { kind: "ack", token: value.token, process: value.process };
  }
  return { kind: "all" };
}
