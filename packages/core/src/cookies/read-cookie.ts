/**
 * The value of the first cookie called `name` in a `Cookie` header, or undefined.
 *
 * Hand-written rather than a general parser because it runs on every authenticated request
 * (the hot path): it scans for the one name it needs and allocates only the value. The
 * first occurrence wins, as browsers send the most specific (longest path) cookie first
 * (RFC 6265 §5.4). Values are not URL-decoded: latchkey's own values are plain ASCII.
 */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined || header.length === 0) return undefined;
  const length = header.length;
  let start = 0;
  while (start < length) {
    // Skip spaces and stray separators before a pair.
    while (start < length && (header.charCodeAt(start) === 32 || header.charCodeAt(start) === 59)) start++;
    let end = header.indexOf(";", start);
    if (end === -1) end = length;
    if (header.startsWith(name, start) && header.charCodeAt(start + name.length) === 61 /* = */) {
      let valueStart = start + name.length + 1;
      let valueEnd = end;
      while (valueEnd > valueStart && header.charCodeAt(valueEnd - 1) === 32) valueEnd--;
      // RFC 6265 allows a DQUOTE-wrapped value.
      if (
        valueEnd - valueStart >= 2 &&
        header.charCodeAt(valueStart) === 34 &&
        header.charCodeAt(valueEnd - 1) === 34
      ) {
        valueStart++;
        valueEnd--;
      }
      return header.slice(valueStart, valueEnd);
    }
    start = end + 1;
  }
  return undefined;
}
