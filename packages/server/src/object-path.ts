/** Small helpers for the nested plain objects that config layers are. */

/** A plain JSON object (not an array, not null). */
export type PlainObject = Record<string, unknown>;

/** True for a plain JSON object (not an array, not null). */
export function isPlainObject(value: unknown): value is PlainObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Sets `value` at a dotted key, creating (or replacing non-object) parents. */
export function setPath(target: PlainObject, key: string, value: unknown): void {
  const parts = key.split(".");
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const child = node[part];
    if (isPlainObject(child)) node = child;
    else {
      const created: PlainObject = {};
      node[part] = created;
      node = created;
    }
  }
  node[parts[parts.length - 1] ?? key] = value;
}

/** Removes whatever is at `path` (keys and array indexes), if anything. */
export function deletePath(target: PlainObject, path: readonly PropertyKey[]): void {
  let node: unknown = target;
  for (const part of path.slice(0, -1)) {
    if (isPlainObject(node) && typeof part === "string") node = node[part];
    else if (Array.isArray(node) && typeof part === "number") node = node[part];
    else return;
  }
  const last = path[path.length - 1];
  if (isPlainObject(node) && typeof last === "string") delete node[last];
  else if (Array.isArray(node) && typeof last === "number") node.splice(last, 1);
}

/** A deep copy of JSON data. */
export function cloneJson(value: PlainObject): PlainObject {
  return structuredClone(value);
}

/** Merges plain objects key by key, later layers winning; arrays and other values are replaced whole. */
export function mergeLayers(...layers: readonly PlainObject[]): PlainObject {
  const out: PlainObject = {};
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer)) {
      const existing = out[key];
      out[key] =
        isPlainObject(value) && isPlainObject(existing)
          ? mergeLayers(existing, value)
          : isPlainObject(value)
            ? mergeLayers(value)
            : value;
    }
  }
  return out;
}

/** `["session", "idleTimeoutSeconds"]` → `session.idleTimeoutSeconds`; indexes as `[1]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) out += typeof part === "number" ? `[${part}]` : `${out ? "." : ""}${String(part)}`;
  return out;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost));
    }
    previous = current;
  }
  return previous[b.length] ?? Math.max(a.length, b.length);
}

/** The candidate closest to a misspelt `name` (case-insensitive, a few edits at most), or null. */
export function closest(name: string, candidates: Iterable<string>): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  const wanted = name.toLowerCase();
  for (const candidate of candidates) {
    const distance = editDistance(wanted, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best !== null && bestDistance <= Math.max(2, Math.floor(name.length / 4)) ? best : null;
}
