import type { ClientError } from "@latchkey/client";

/** A sentence for the user for a failed login, by the server's stable error code. */
export function loginErrorMessage(error: ClientError): string {
  switch (error.code) {
    case "invalid_credentials":
      return "Wrong username or password.";
    case "missing_credentials":
      return "Enter your username and password.";
    case "email_unverified":
      return "Verify your email address first: open the link we emailed you (a new one is on its way).";
    case "mfa_code_invalid":
      return "That code is wrong or was already used. Enter the current code from your app.";
    case "mfa_login_invalid":
      return "This login expired. Enter your password again.";
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

/** A sentence for the user for a failed account call (sign-up, verification, reset, account, devices). */
export function accountErrorMessage(error: ClientError): string {
  switch (error.code) {
    case "key_invalid":
      return "This link is invalid, already used or expired. Ask for a new one.";
    case "username_taken":
      return "That username is taken. Choose another.";
    case "email_taken":
      return "That email address already has an account. Log in, or reset its password.";
    case "email_invalid":
      return "That is not an email address.";
    case "password_invalid":
      return `Choose another password: ${error.detail}`;
    case "reauthentication_failed":
      return "Wrong password.";
    case "throttled":
      return error.retryAfterSeconds === undefined
        ? `Too many attempts. ${error.detail}`
        : `Too many attempts. Try again in ${error.retryAfterSeconds} seconds.`;
    case "not_found":
      return "Not available: this server does not have that route (is sign-up enabled?).";
    default:
      return loginErrorMessage(error);
  }
}
