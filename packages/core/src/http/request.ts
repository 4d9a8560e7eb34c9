/**
 * A request as core sees it, whatever the framework. Adapters build one per request without
 * copying headers: `header()` reads straight from the framework's own request.
 */
export interface LatchkeyRequest {
  /** Upper-case method. */
  readonly method: string;
  /** URL path without the query string, still percent-encoded. */
  readonly path: string;
  /** A header's value, by lower-case name; several values joined with ", ". */
  header(name: string): string | undefined;
  /** The peer address of the TCP connection. */
  readonly remoteAddress: string | undefined;
  /** True if the connection to this process is TLS. */
  readonly encrypted: boolean;
  /**
   * Reads the body. Rejects with an `HttpError("body_too_large")` past `limitBytes`.
   * If a framework already parsed the body, adapters may return the parsed value instead
   * via {@link LatchkeyRequest.parsedBody}.
   */
  readBody(limitBytes: number): Promise<Uint8Array>;
  /**
   * A body a framework already parsed (e.g. by `express.json()`), if the raw stream is gone.
   * `undefined` means "not parsed: call readBody".
   */
  readonly parsedBody?: unknown;
}

/** A response as core describes it. Adapters write it out. */
export interface LatchkeyResponse {
  status: number;
  /** Extra headers. `Content-Type` is always JSON and is not listed. */
  headers: Record<string, string>;
  /** Serialised `Set-Cookie` values. */
  cookies: string[];
  /** The JSON body, or null for none. */
  body: unknown;
  /**
   * The same body already serialised, when core has it (a cached user's rendered JSON):
   * it is sent as is instead of serialising `body` again (see finishResponse).
   */
  bodyText?: string;
  /** The UTF-8 byte length of `bodyText` as a `Content-Length` value, when core counted it already. */
  bodyLength?: string;
  /**
   * Close the connection after this answer, because the request's framing cannot be
   * trusted (a refused `Expect`, a request without `Host`). Always so for a 413.
   */
  close?: boolean;
}
