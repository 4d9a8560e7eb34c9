/** Attributes of a cookie latchkey sets. */
export interface CookieAttributes {
  /** Seconds until expiry; 0 deletes the cookie; undefined makes a browser-session cookie. */
  maxAgeSeconds?: number;
  httpOnly: boolean;
  secure: boolean;
  sameSite: "lax" | "strict" | "none";
  /** `Domain` attribute, or null for a host-only cookie. */
  domain: string | null;
  partitioned: boolean;
}

const SAME_SITE = { lax: "Lax", strict: "Strict", none: "None" } as const;

/**
 * Serialises a `Set-Cookie` value. Names and values are latchkey's own (config-validated
 * names, base64url/alphanumeric values), so nothing needs encoding. `Path=/` always: a
 * narrower path would not stop other paths from reading the cookie, and `__Host-` requires it.
 * `Expires` is sent beside `Max-Age` for old clients that only know `Expires`.
 */
export function serializeCookie(name: string, value: string, attributes: CookieAttributes, nowMs: number): string {
  let out = `${name}=${value}; Path=/`;
  if (attributes.maxAgeSeconds !== undefined) {
    const maxAge = Math.max(0, Math.floor(attributes.maxAgeSeconds));
    const expires = maxAge === 0 ? new Date(0) : new Date(nowMs + maxAge * 1000);
    out += `; Max-Age=${maxAge}; Expires=${expires.toUTCString()}`;
  }
  if (attributes.domain !== null) out += `; Domain=${attributes.domain}`;
  if (attributes.httpOnly) out += "; HttpOnly";
  if (attributes.secure) out += "; Secure";
  out += `; SameSite=${SAME_SITE[attributes.sameSite]}`;
  if (attributes.partitioned) out += "; Partitioned";
  return out;
}
