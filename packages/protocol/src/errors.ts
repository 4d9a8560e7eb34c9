/**
 * The catalogue of every error latchkey answers with: a stable machine code, its HTTP
 * status and the human text sent as `detail`. Texts with `{name}` placeholders are filled
 * in by the server. Where Django REST Framework has a text for the same condition, the
 * text is DRF's, so SPAs that match on it keep working.
 */
export const ERRORS = Object.freeze({
  missing_credentials: { status: 400, detail: "Please provide username and password." },
  invalid_credentials: { status: 400, detail: "Invalid credentials." },
  not_logged_in: { status: 400, detail: "You're not logged in." },
  not_authenticated: { status: 401, detail: "Authentication credentials were not provided." },
  invalid_token: { status: 401, detail: "Invalid token." },
  invalid_authorization_header: { status: 401, detail: "Invalid Authorization header: {reason}" },
  invalid_basic_header: { status: 400, detail: "Invalid basic header: {reason}" },
  permission_denied: { status: 403, detail: "You do not have permission to perform this action." },
  csrf_cross_site: {
    status: 403,
    detail: "CSRF Failed: Cross-site request refused (Sec-Fetch-Site: {site}) from untrusted origin {origin}.",
  },
  csrf_origin_untrusted: {
    status: 403,
    detail: "CSRF Failed: Origin checking failed - {origin} does not match any trusted origins.",
  },
  csrf_referer_untrusted: {
    status: 403,
    detail: "CSRF Failed: Referer checking failed - {referer} does not match any trusted origins.",
  },
  csrf_origin_missing: {
    status: 403,
    detail: "CSRF Failed: Origin checking failed - the request has no Origin or Referer header.",
  },
  csrf_cookie_missing: { status: 403, detail: "CSRF Failed: CSRF cookie not set." },
  csrf_token_missing: { status: 403, detail: "CSRF Failed: CSRF token missing." },
  csrf_token_malformed: {
    status: 403,
    detail: "CSRF Failed: CSRF token from {source} has incorrect length or invalid characters.",
  },
  csrf_token_incorrect: { status: 403, detail: "CSRF Failed: CSRF token from {source} incorrect." },
  throttled: { status: 429, detail: "Request was throttled. Expected available in {seconds} seconds." },
  invalid_json: { status: 400, detail: "JSON parse error - the request body is not valid JSON." },
  invalid_body: { status: 400, detail: "{reason}" },
  field_too_long: { status: 400, detail: "Ensure {field} has no more than {max} characters." },
  unsupported_media_type: { status: 415, detail: 'Unsupported media type "{type}" in request.' },
  body_too_large: { status: 413, detail: "Request body is larger than {max} bytes." },
  method_not_allowed: { status: 405, detail: 'Method "{method}" not allowed.' },
  not_found: { status: 404, detail: "Not found." },
  password_incorrect: { status: 400, detail: "Your old password was entered incorrectly." },
  password_invalid: { status: 400, detail: "{reason}" },
  store_unavailable: {
    status: 503,
    detail: "Service temporarily unavailable: the {store} store cannot be reached. Try again shortly.",
  },
  internal_error: { status: 500, detail: "Internal server error." },
  // Malformed HTTP framing, answered by the ready server's (and @latchkey/node's) clientError handler.
  bad_request: { status: 400, detail: "Bad request: {reason}" },
  headers_too_large: { status: 431, detail: "Request header fields are too large." },
  expectation_failed: { status: 417, detail: 'Expectation failed: only "Expect: 100-continue" is supported.' },
  request_timeout: { status: 408, detail: "The request was not received in time." },
  chunk_extensions_too_large: { status: 413, detail: "The chunk extensions of the request body are too large." },
  // Account lifecycle (SPEC §2a).
  email_unverified: { status: 403, detail: "Confirm your email address first: a new link is on its way." },
  key_invalid: { status: 400, detail: "This link is invalid or has expired." },
  reauthentication_required: { status: 403, detail: "Please enter your password again to continue." },
  reauthentication_failed: { status: 400, detail: "The password is incorrect." },
  username_taken: { status: 400, detail: "A user with that username already exists." },
  email_taken: { status: 400, detail: "An account with that email address already exists." },
  email_invalid: { status: 400, detail: "Enter a valid email address." },
  // Passkeys (SPEC §2b).
  webauthn_challenge_invalid: {
    status: 400,
    detail: "The passkey request is unknown, already used or expired. Please start again.",
  },
  passkey_invalid: { status: 400, detail: "The passkey could not be verified." },
  passkey_already_registered: { status: 400, detail: "This passkey is already registered." },
  // Second factors (SPEC §2b).
  mfa_required: {
    status: 401,
    detail:
      "Confirm it is you with your second factor (a code from your authenticator app, a passkey or a recovery code) to finish logging in.",
  },
  mfa_code_invalid: { status: 400, detail: "The code is wrong, expired or already used." },
  mfa_login_invalid: { status: 400, detail: "This login has expired or is already complete. Please log in again." },
  mfa_totp_active: {
    status: 400,
    detail: "An authenticator app is already active. Remove it first to set up another.",
  },
  mfa_totp_not_pending: { status: 400, detail: "Start the authenticator setup first." },
  mfa_totp_not_active: { status: 404, detail: "No authenticator app is active." },
  mfa_not_enrolled: { status: 400, detail: "Turn on a second factor first: recovery codes come with it." },
  mfa_webauthn_unavailable: {
    status: 400,
    detail: "This account has no passkey to finish the login with. Use another method.",
  },
} as const satisfies Record<string, { status: number; detail: string }>);

/** A stable, machine-readable error code. */
export type ErrorCode = keyof typeof ERRORS;

/** The JSON body of every error response. */
export interface ErrorBody {
  /** Human-readable explanation. */
  detail: string;
  /** Stable machine code from {@link ERRORS}. */
  code?: ErrorCode;
  /** Present on 401s from the whoami route, as the Django SPA tutorials answer. */
  isAuthenticated?: false;
}
