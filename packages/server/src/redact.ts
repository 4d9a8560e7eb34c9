/** What replaces a password in a URL shown to anyone. */
const MASK = "***";

/**
 * The URL with its password replaced by `***` (the user name stays: it helps find the
 * account), for logs and error messages. A `redis://:secret@host` or
 * `postgres://app:secret@db/latchkey` in a log would hand the database to whoever reads the
 * logs (OWASP Logging Cheat Sheet: never log credentials). The rest of the text is kept as
 * written; text without `scheme://user:password@` is returned as is.
 */
export function redactUrl(text: string): string {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(text);
  if (scheme === null) return text;
  const rest = text.slice(scheme[0].length);
  const at = rest.lastIndexOf("@");
  if (at < 0) return text;
  const userinfo = rest.slice(0, at);
  const colon = userinfo.indexOf(":");
  if (colon < 0 || userinfo.includes("/")) return text;
  return `${scheme[0]}${userinfo.slice(0, colon)}:${MASK}@${rest.slice(at + 1)}`;
}

/** The passwords in these URLs (for scrubbing them out of driver error messages). */
export function passwordsOf(urls: readonly (string | null)[]): string[] {
  const found: string[] = [];
  for (const text of urls) {
    if (text === null) continue;
    try {
      const password = new URL(text).password;
      if (password !== "") found.push(password, decodeURIComponent(password));
    } catch {
      // Not a URL: nothing to take.
    }
  }
  return found.filter((password) => password.length > 0);
}

/** `text` with each of `secrets` replaced by `***`, and any URL in it redacted. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text.replace(/[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi, (url) => redactUrl(url));
  for (const secret of secrets) out = out.split(secret).join(MASK);
  return out;
}
