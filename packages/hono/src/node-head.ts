/** A header value as Node's response keeps it. */
export type NodeHeaderValue = number | string | string[];

type WriteHead = (this: unknown, statusCode: unknown, reason?: unknown, fields?: unknown) => unknown;

/**
 * What latchkey uses of `@hono/node-server`'s `c.env.outgoing` (Node's `ServerResponse`, or
 * `Http2ServerResponse` over HTTP/2), found structurally so this package imports nothing
 * Node-specific and still loads on every runtime Hono runs on.
 */
export interface NodeOutgoing {
  readonly headersSent: boolean;
  writeHead: WriteHead;
  getHeader(name: string): NodeHeaderValue | undefined;
  setHeader(name: string, value: unknown): unknown;
  appendHeader(name: unknown, value: unknown): unknown;
  removeHeader(name: unknown): unknown;
}

/** Finds `@hono/node-server`'s outgoing response in `c.env`, if the app runs on it. */
export function nodeOutgoingOf(env: unknown): NodeOutgoing | undefined {
  if (typeof env !== "object" || env === null || !("outgoing" in env)) return undefined;
  const outgoing: unknown = env.outgoing;
  if (
    typeof outgoing === "object" &&
    outgoing !== null &&
    "headersSent" in outgoing &&
    "writeHead" in outgoing &&
    typeof outgoing.writeHead === "function" &&
    "getHeader" in outgoing &&
    typeof outgoing.getHeader === "function" &&
    "setHeader" in outgoing &&
    typeof outgoing.setHeader === "function" &&
    "appendHeader" in outgoing &&
    typeof outgoing.appendHeader === "function" &&
    "removeHeader" in outgoing &&
    typeof outgoing.removeHeader === "function"
  )
    return outgoing as NodeOutgoing;
  return undefined;
}

/** The head about to be written, as the app made it: latchkey reads it and adds to it. */
export interface NodeHead {
  /** A field's value; `lowerName` is the name in lower case, matched in any case. */
  get(lowerName: string): NodeHeaderValue | undefined;
  /** Sets a field, replacing the app's of the same name in any case. */
  set(name: string, lowerName: string, value: string | string[]): void;
}

function isHeaderValue(value: unknown): value is NodeHeaderValue {
  return typeof value === "number" || typeof value === "string" || Array.isArray(value);
}

/**
 * The head of a `writeHead(status, {fields})` call (what `@hono/node-server` makes), as the
 * flat `[name, value, ...]` list latchkey adds to and Node then writes: the app's object is
 * left as it was, and neither a copy of it (whose added field cost a map transition per
 * request) nor `setHeader()` per field is needed. Node lets these fields replace the ones
 * set earlier with `setHeader()`, so a field is read from the list first and from the
 * response after.
 */
function fieldListHead(outgoing: NodeOutgoing, list: unknown[]): NodeHead {
  const indexOf = (lowerName: string): number => {
    for (let i = 0; i < list.length; i += 2) {
      const name = list[i];
      if (typeof name === "string" && name.length === lowerName.length && name.toLowerCase() === lowerName) return i;
    }
    return -1;
  };
  return {
    get(lowerName) {
      const i = indexOf(lowerName);
      if (i === -1) return outgoing.getHeader(lowerName);
      const value = list[i + 1];
      return isHeaderValue(value) ? value : undefined;
    },
    set(name, lowerName, value) {
      const i = indexOf(lowerName);
      if (i === -1) list.push(name, value);
      else list[i + 1] = value;
    },
  };
}

/** The head of any other `writeHead()` call, once its fields are on the response. */
function responseHead(outgoing: NodeOutgoing): NodeHead {
  return {
    get: (lowerName) => outgoing.getHeader(lowerName),
    set(name, _lowerName, value) {
      outgoing.setHeader(name, value);
    },
  };
}

/**
 * Puts an array of fields given to `writeHead()` on the response, as Node itself does once
 * any field is already set: its pairs replace what the response had and are kept side by
 * side when one name repeats. Values are Node's to check (it throws on a bad one, as
 * `writeHead()` would).
 */
function putFieldList(outgoing: NodeOutgoing, fields: unknown[]): void {
  // [name, value, name, value, ...] or [[name, value], ...].
  const pairs: unknown[][] = Array.isArray(fields[0])
    ? fields.filter((pair) => Array.isArray(pair))
    : Array.from({ length: Math.ceil(fields.length / 2) }, (_, i) => [fields[2 * i], fields[2 * i + 1]]);
  for (const [name] of pairs) outgoing.removeHeader(name);
  for (const [name, value] of pairs) if (name !== "" && name !== undefined) outgoing.appendHeader(name, value);
}

/**
 * Runs `complete` once, just before Node writes the response's head, with the head as the
 * app made it, so latchkey's fields can be merged into it instead of replacing the app's or
 * being replaced by them. Every head goes through `writeHead()`, whether the server calls it
 * or Node does for a first `write()`/`end()`: the hook replaces this one response's
 * `writeHead`, as `on-headers` (used by `compression` and `express-session`) does.
 *
 * On `@hono/node-server` this leaves Hono's response alone: reading or changing its
 * `headers` turns the lightweight response into a Web `Headers` object that is then copied
 * field by field into Node's, thousands of instructions per request. For the server's own
 * `writeHead(status, {fields})` the fields go to Node in one list, never through
 * `setHeader()` one by one.
 */
export function beforeNodeHead(outgoing: NodeOutgoing, complete: (head: NodeHead) => void): void {
  const writeHead = outgoing.writeHead;
  let fired = false;
  outgoing.writeHead = function writeHeadThenComplete(statusCode, reason, fields) {
    if (fired || outgoing.headersSent) return writeHead.call(outgoing, statusCode, reason, fields);
    fired = true;
    // writeHead(status, [reason,] [fields]): Node takes the fields from the second argument
    // when it is not a reason phrase.
    const hasReason = typeof reason === "string";
    const given = hasReason ? fields : (fields ?? reason);
    if (typeof given === "object" && given !== null && !Array.isArray(given)) {
      const list: unknown[] = [];
      for (const name of Object.keys(given)) if (name !== "") list.push(name, Reflect.get(given, name));
      complete(fieldListHead(outgoing, list));
      return hasReason
        ? writeHead.call(outgoing, statusCode, reason, list)
        : writeHead.call(outgoing, statusCode, list);
    }
    if (Array.isArray(given)) putFieldList(outgoing, given);
    complete(responseHead(outgoing));
    return hasReason ? writeHead.call(outgoing, statusCode, reason) : writeHead.call(outgoing, statusCode);
  };
}
