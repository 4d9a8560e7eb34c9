/** Base path under which every latchkey route is mounted. @default "/api" */
export const DEFAULT_BASE_PATH = "/api";

/**
 * Default cookie names. They match Django's (`SESSION_COOKIE_NAME`, `CSRF_COOKIE_NAME`) so
 * that SPAs written for Django's session auth work unchanged.
 */
export const DEFAULT_COOKIE_NAMES = Object.freeze({
  session: "sessionid",
  csrf: "csrftoken",
});

/**
 * Default header and form-field names for the CSRF token. The header name matches Django's
 * `CSRF_HEADER_NAME` (`HTTP_X_CSRFTOKEN`), the form field Django's `csrfmiddlewaretoken`.
 */
export const DEFAULT_CSRF_HEADER = "X-CSRFToken";
export const DEFAULT_CSRF_FORM_FIELD = "csrfmiddlewaretoken";

/** Content type of every latchkey response body. */
export const JSON_CONTENT_TYPE = "application/json; charset=utf-8";
