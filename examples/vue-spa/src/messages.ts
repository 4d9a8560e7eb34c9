import type { ClientError } from "@latchkey/client";

/** A sentence for the user for a failed login, by the server's stable error code. */
export function loginErrorMessage(error: ClientError): string {
  switch (error.code) {
    case "invalid_credentials":
      return "Wrong username or password.";
    case "missing_credentials":
      return "Enter your username and password.";
    case "throttled":
      return error.retryAfterSeconds === undefined
        ? `Too many failed attempts. ${error.detail}`
        : `Too many failed attempts. Try again in ${error.retryAfterSeconds} seconds.`;
    case "csrf_cookie_missing":
      // The client already fetched a fresh CSRF cookie and retried: the browser is not keeping
      // the API's cookies at all, and reloading will not change that.
      return `${error.detail} The browser did not send the API's cookies back: they are blocked (an API on another site needs Partitioned cookies or token mode) or cookies are disabled.`;
    case "csrf_token_missing":
    case "csrf_token_incorrect":
    case "csrf_token_malformed":
      return `${error.detail} Reload the page and try again.`;
    case "csrf_origin_untrusted":
    case "csrf_cross_site":
    case "csrf_origin_missing":
    case "csrf_referer_untrusted":
      return `${error.detail} This page's origin must be in the API's trustedOrigins.`;
    case "network_error":
      // fetch() rejects the same way for a server that is down and for an answer the browser
      // hid because CORS did not allow this page's origin; only the console tells them apart.
      return "The server cannot be reached, or the browser blocked its answer (a CORS error in the console means this page's origin is missing from the API's trustedOrigins).";
    default:
      return error.detail;
  }
}
