/** A response as the tests look at it. */
export interface TestResponse {
  status: number;
  headers: Headers;
  /** The JSON body as an object (empty when the body is not a JSON object). */
  json: Record<string, unknown>;
  /** The raw body text. */
  text: string;
  /** Every `Set-Cookie` header. */
  setCookies: string[];
}

/** What one request of a {@link TestClient} sends beyond method and path. */
export interface RequestOptions {
  /** A JSON body (sets Content-Type: application/json). */
  json?: unknown;
  /** A raw body, sent as is. */
  body?: string | Uint8Array;
  /** Extra request headers; they win over the ones the client adds. */
  headers?: Record<string, string>;
  /** Do not add the browser-like Origin/Sec-Fetch-Site headers. */
  bare?: boolean;
  /** Do not send the cookie jar. */
  noCookies?: boolean;
}

/**
 * An HTTP client that behaves like a same-origin SPA in a browser: it keeps cookies, sends
 * `Origin` and `Sec-Fetch-Site: same-origin` on unsafe requests, and remembers the last
 * `X-CSRFToken` response header. Tests turn each part off to act like an attacker.
 */
export interface TestClient {
  readonly baseUrl: string;
  request(method: string, path: string, options?: RequestOptions): Promise<TestResponse>;
  get(path: string, options?: RequestOptions): Promise<TestResponse>;
  post(path: string, options?: RequestOptions): Promise<TestResponse>;
  /** A cookie's current value. */
  cookie(name: string): string | undefined;
  setCookie(name: string, value: string): void;
  deleteCookie(name: string): void;
  /** The last `X-CSRFToken` response header seen. */
  readonly csrfToken: string | undefined;
  /** `GET /api/csrf/` and return the token. */
  fetchCsrf(): Promise<string>;
  /** The CSRF flow then `POST /api/login/`. */
  login(username: string, password: string): Promise<TestResponse>;
}

/** How a {@link TestClient} presents itself on unsafe requests. */
export interface TestClientOptions {
  /**
   * The `Origin` header sent on unsafe requests.
   * @default baseUrl (a same-origin page)
   */
  origin?: string;
  /**
   * The `Sec-Fetch-Site` header sent on unsafe requests; `null` sends none (an old browser).
   * @default "same-origin"
   */
  secFetchSite?: string | null;
}

/**
 * A browser-like client for the server at `baseUrl` (`http://127.0.0.1:<port>`, no trailing
 * slash). Each call of `request()` is one `fetch` with redirects not followed.
 */
export function createTestClient(baseUrl: string, options: TestClientOptions = {}): TestClient {
  const jar = new Map<string, string>();
  let csrfToken: string | undefined;
  const origin = options.origin ?? baseUrl;
  const site = options.secFetchSite === undefined ? "same-origin" : options.secFetchSite;

  function absorb(setCookies: string[]): void {
    for (const line of setCookies) {
      const [pair = "", ...attributes] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const maxAge = attributes.map((a) => a.trim()).find((a) => a.toLowerCase().startsWith("max-age="));
      if (maxAge !== undefined && Number(maxAge.split("=")[1]) <= 0) jar.delete(name);
      else jar.set(name, value);
    }
  }

  async function request(method: string, path: string, opts: RequestOptions = {}): Promise<TestResponse> {
    const headers: Record<string, string> = {};
    const unsafe = !["GET", "HEAD", "OPTIONS"].includes(method);
    if (unsafe && opts.bare !== true) {
      headers.origin = origin;
      if (site !== null) headers["sec-fetch-site"] = site;
    }
    if (opts.noCookies !== true && jar.size > 0) headers.cookie = [...jar].map(([n, v]) => `${n}=${v}`).join("; ");
    let body: string | Uint8Array | undefined = opts.body;
    if (opts.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(opts.json);
    }
    Object.assign(headers, opts.headers);
    const res = await fetch(baseUrl + path, {
      method,
      headers,
      ...(body === undefined ? {} : { body }),
      redirect: "manual",
    });
    const text = await res.text();
    const setCookies = res.headers.getSetCookie();
    absorb(setCookies);
    const token = res.headers.get("x-csrftoken");
    if (token !== null) csrfToken = token;
    let json: Record<string, unknown> = {};
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed))
        json = parsed as Record<string, unknown>;
    } catch {
      // Not JSON: tests look at `text`.
    }
    return { status: res.status, headers: res.headers, json, text, setCookies };
  }

  const client: TestClient = {
    baseUrl,
    request,
    get: (path, opts) => request("GET", path, opts),
    post: (path, opts) => request("POST", path, opts),
    cookie: (name) => jar.get(name),
    setCookie: (name, value) => void jar.set(name, value),
    deleteCookie: (name) => void jar.delete(name),
    get csrfToken() {
      return csrfToken;
    },
    async fetchCsrf() {
      const res = await request("GET", "/api/csrf/");
      if (csrfToken === undefined) throw new Error(`GET /api/csrf/ gave no X-CSRFToken header (status ${res.status})`);
      return csrfToken;
    },
    async login(username, password) {
      const token = await client.fetchCsrf();
      return request("POST", "/api/login/", { json: { username, password }, headers: { "x-csrftoken": token } });
    },
  };
  return client;
}
