/**
 * The `Vary` value that names every field of `existing` (the app's, possibly absent) and of
 * `added` (latchkey's), each once. RFC 9110 §12.5.5: a comma-separated list of field names,
 * compared case-insensitively; `*` means the answer varies on more than the request's fields
 * and stands alone. Keeping both matters: a shared cache keyed without the app's field would
 * serve one variant for another, and without `Origin` it would serve one origin's CORS
 * answer (or a same-origin answer without CORS headers) to a request from another origin.
 * The app's spelling and order come first; names it already has are not repeated.
 */
export function mergeVary(existing: string | undefined, added: string): string {
  if (existing === undefined) return added;
  const names = fieldNames(existing);
  if (names.length === 0) return added;
  const seen = new Set<string>();
  for (const name of names) seen.add(name.toLowerCase());
  if (seen.has("*")) return "*";
  const merged = [...names];
  for (const name of fieldNames(added)) {
    const key = name.toLowerCase();
    if (key === "*") return "*";
    if (seen.has(key)) continue;
    seen.add(key);
    merged.push(name);
  }
  return merged.join(", ");
}

function fieldNames(value: string): string[] {
  const names: string[] = [];
  for (const part of value.split(",")) {
    const name = part.trim();
    if (name !== "") names.push(name);
  }
  return names;
}
