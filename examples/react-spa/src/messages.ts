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
    case "csrf_token_missing":
    case "csrf_token_incorrect":
    case "csrf_token_malformed":
    case "csrf_origin_untrusted":
    case "csrf_cross_site":
    case "csrf_origin_missing":
    case "csrf_referer_untrusted":
      return `Security check (CSRF) failed: ${error.detail} Reload the page and try again.`;
    case "network_error":
      return "The server cannot be reached. Check your connection and try again.";
    default:
      return error.detail;
  }
}
