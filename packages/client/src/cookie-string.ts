/**
 * The value of cookie `name` in a `document.cookie`-style string (`a=1; b=2`), or null.
 * The first match wins, as on the server: the browser lists the most specific path first.
 */
export function readCookieValue(cookieString: string, name: string): string | null {
  for (const part of cookieString.split(";")) {
    const eq = part.indexOf("=");
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    const raw = part.slice(eq + 1).trim();
    try {
      return decodeURIComponent(raw);
    } catch {
      // A value that is not valid percent-encoding is used as it is, like the server does.
      return raw;
    }
  }
  return null;
}
