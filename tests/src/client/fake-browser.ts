import type { FetchLike, TokenStorageLike } from "@latchkey/client";

/** One request as the fake browser sent it. */
export interface SentRequest {
  method: string;
  /** Path and query, e.g. `/api/login/`. */
  path: string;
  /** Origin the request went to. */
  origin: string;
  headers: Headers;
  credentials: RequestInit["credentials"];
  /** Whether a Cookie header went out. */
  sentCookies: boolean;
}

/** A stored cookie. */
interface StoredCookie {
  value: string;
  httpOnly: boolean;
}

/**
 * Stands in for a browser in Node, whose fetch has no cookie jar: one jar per "browser"
 * (shared by every tab/client made with it), cookies sent unless `credentials: "omit"`,
 * `Origin` and `Sec-Fetch-Site: same-origin` added to unsafe requests as a browser would,
 * and `document.cookie` (`cookies()`) showing only the cookies that are not HttpOnly.
 * Every request is recorded so tests can look at what went out.
 */
export interface FakeBrowser {
  readonly fetch: FetchLike;
  /** What `document.cookie` would show. */
  cookies(): string;
  cookie(name: string): string | undefined;
  setCookie(name: string, value: string, options?: { httpOnly?: boolean }): void;
  deleteCookie(name: string): void;
  /** Deletes a cookie and refuses to store it again (as a browser blocking third-party cookies). */
  refuseCookie(name: string): void;
  /** Every request sent, oldest first. */
  readonly sent: SentRequest[];
  /** Requests sent to a path (trailing slash optional). */
  sentTo(path: string, method?: string): SentRequest[];
}

export function createFakeBrowser(options: { pageOrigin: string }): FakeBrowser {
  const jar = new Map<string, StoredCookie>();
  const refused = new Set<string>();
  const sent: SentRequest[] = [];

  function absorb(lines: string[]): void {
    for (const line of lines) {
      const [pair = "", ...attributes] = line.split(";").map((part) => part.trim());
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const lower = attributes.map((a) => a.toLowerCase());
      const maxAge = lower.find((a) => a.startsWith("max-age="));
      const expires = attributes.find((a) => a.toLowerCase().startsWith("expires="));
      const expired =
        (maxAge !== undefined && Number(maxAge.slice(8)) <= 0) ||
        (expires !== undefined && Date.parse(expires.slice(8)) <= Date.now());
      if (refused.has(name)) continue;
      if (expired) jar.delete(name);
      else jar.set(name, { value, httpOnly: lower.includes("httponly") });
    }
  }

  const fakeFetch: FetchLike = async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const headers = new Headers(request.headers);
    const unsafe = !["GET", "HEAD", "OPTIONS"].includes(request.method);
    if (unsafe) {
      headers.set("origin", options.pageOrigin);
      headers.set("sec-fetch-site", url.origin === options.pageOrigin ? "same-origin" : "same-site");
    }
    const credentials = init?.credentials ?? request.credentials;
    const sendCookies = credentials !== "omit" && jar.size > 0;
    if (sendCookies) headers.set("cookie", [...jar].map(([name, cookie]) => `${name}=${cookie.value}`).join("; "));
    sent.push({
      method: request.method,
      path: url.pathname + url.search,
      origin: url.origin,
      headers,
      credentials,
      sentCookies: sendCookies,
    });
    const body = request.body === null ? undefined : await request.arrayBuffer();
    const response = await fetch(url, {
      method: request.method,
      headers,
      ...(body === undefined ? {} : { body }),
      redirect: "manual",
    });
    // A browser never stores cookies for a request sent with credentials "omit".
    if (credentials !== "omit") absorb(response.headers.getSetCookie());
    return response;
  };

  return {
    fetch: fakeFetch,
    cookies: () =>
      [...jar]
        .filter(([, cookie]) => !cookie.httpOnly)
        .map(([name, cookie]) => `${name}=${cookie.value}`)
        .join("; "),
    cookie: (name) => jar.get(name)?.value,
    setCookie(name, value, cookieOptions = {}) {
      jar.set(name, { value, httpOnly: cookieOptions.httpOnly ?? false });
    },
    deleteCookie(name) {
      jar.delete(name);
    },
    refuseCookie(name) {
      jar.delete(name);
      refused.add(name);
    },
    sent,
    sentTo(path, method) {
      const wanted = path.replace(/\/$/, "");
      return sent.filter(
        (r) => r.path.split("?")[0]?.replace(/\/$/, "") === wanted && (method === undefined || r.method === method),
      );
    },
  };
}

/** A Storage stand-in that records every write, for checking what token mode stores. */
export interface FakeStorage extends TokenStorageLike {
  readonly items: Map<string, string>;
  /** Number of setItem calls. */
  writes: number;
}

export function createFakeStorage(): FakeStorage {
  const items = new Map<string, string>();
  const storage: FakeStorage = {
    items,
    writes: 0,
    getItem: (key) => items.get(key) ?? null,
    setItem(key, value) {
      storage.writes += 1;
      items.set(key, value);
    },
    removeItem(key) {
      items.delete(key);
    },
  };
  return storage;
}
