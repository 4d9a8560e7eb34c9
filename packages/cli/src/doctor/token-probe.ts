import { randomBytes } from "node:crypto";
import { type Check, type DoctorReport, topologyOf } from "./probe.js";

// `latchkey doctor --token`: the same outside probe for an SPA that logs in with
// `POST /token/login/` and sends `Authorization: Bearer <token>` (deployment "cross-site-token",
// mode D). No cookie is involved, so the cookie checks do not apply; the CORS preflight must
// allow the Authorization request header (credentials are not needed), and a token login
// attempt for a made-up user must be refused only for its credentials.

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);
/** Beyond this difference between the server's Date and ours, token expiry times are off. */
const MAX_SKEW_MS = 60_000;

function listHas(header: string | null, item: string): boolean {
  return (header ?? "").split(",").some((v) => v.trim().toLowerCase() === item.toLowerCase());
}

/** What GET /csrf/ says about cookies: a token SPA ignores them, but a cookie deployment is worth naming. */
function cookieNote(setCookies: readonly string[]): Check {
  const crossSite = setCookies.filter((line) => /;\s*samesite=none\b/i.test(line));
  if (crossSite.length > 0)
    return {
      id: "token-mode",
      status: "warn",
      message: `The API sets cross-site cookies (${crossSite.map((l) => (l.split("=")[0] ?? "").trim()).join(", ")}: SameSite=None): it looks like a cookie deployment. These checks are for an SPA with bearer tokens, which ignores cookies.`,
      fix: 'If the SPA uses cookies, run the doctor without --token; if it uses bearer tokens, deployment "cross-site-token" sends no cross-site cookies.',
    };
  return {
    id: "token-mode",
    status: "ok",
    message:
      "Token mode (--token): the SPA sends Authorization: Bearer and no cookies, so the cookie checks (SameSite, Secure, Partitioned, __Host-) do not apply.",
  };
}

/**
 * Probes a token-mode deployment: `spaUrl` is a page of the SPA, `apiBase` the API's base URL
 * (the routes are `<apiBase>/token/login/`, `<apiBase>/whoami/`). Never logs in: a token login
 * attempt for a random user must get past the origin check and fail on credentials (400).
 */
export async function probeTokenDeployment(
  spaUrl: string,
  apiBase: string,
  now: () => number = Date.now,
): Promise<DoctorReport> {
  const spa = new URL(spaUrl);
  const api = new URL(apiBase.replace(/\/+$/, ""));
  const base = api.href.replace(/\/+$/, "");
  const topology = topologyOf(spa, api);
  const checks: Check[] = [];
  const add = (check: Check): void => void checks.push(check);
  const crossOrigin = topology !== "same-origin";

  // TLS: a bearer token sent over plain http can be read and replayed by anyone on the path.
  if (api.protocol !== "https:" && !LOOPBACK.has(api.hostname))
    add({
      id: "tls",
      status: "fail",
      message: `The API is plain http on ${api.hostname}: every request carries the bearer token in clear, for anyone on the path to read and replay.`,
      fix: "Serve the API over https:// (TLS at the proxy, with trustProxy set).",
    });
  else
    add({
      id: "tls",
      status: "ok",
      message: api.protocol === "https:" ? "The API is served over HTTPS." : "The API is on loopback.",
    });

  const csrfRes = await fetch(`${base}/csrf/`, { headers: crossOrigin ? { origin: spa.origin } : {} });
  add(cookieNote(csrfRes.headers.getSetCookie()));

  if (crossOrigin) {
    const pre = await fetch(`${base}/token/login/`, {
      method: "OPTIONS",
      headers: {
        origin: spa.origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization,content-type",
      },
    });
    const allowOrigin = pre.headers.get("access-control-allow-origin");
    // Without credentials, "*" is enough for the origin (and for Content-Type), never for Authorization.
    if (allowOrigin !== spa.origin && allowOrigin !== "*")
      add({
        id: "cors-origin",
        status: "fail",
        message:
          allowOrigin === null
            ? `The API answers the preflight from ${spa.origin} without Access-Control-Allow-Origin: the browser blocks the token login.`
            : `The preflight answer allows origin "${allowOrigin}", not ${spa.origin}.`,
        fix: `Add "${spa.origin}" to trustedOrigins (LATCHKEY_TRUSTED_ORIGINS), exactly: scheme, host and port.`,
      });
    else {
      add({ id: "cors-origin", status: "ok", message: `CORS allows ${spa.origin}.` });
      const allowed = pre.headers.get("access-control-allow-headers");
      const missing = [
        !listHas(allowed, "authorization") && "Authorization",
        !listHas(allowed, "content-type") && !listHas(allowed, "*") && "Content-Type",
      ].filter((v): v is string => typeof v === "string");
      add(
        missing.length > 0
          ? {
              id: "cors-headers",
              status: "fail",
              message: `The preflight allows the request headers "${allowed ?? ""}", without ${missing.join(" and ")}: the browser refuses every request that carries the bearer token${missing.includes("Content-Type") ? " or a JSON body" : ""}, so the SPA looks logged out.`,
              fix: "Allow the Authorization and Content-Type request headers in Access-Control-Allow-Headers (latchkey's own CORS always does; a proxy or CORS layer in front must not replace them; a wildcard * does not cover Authorization).",
            }
          : {
              id: "cors-headers",
              status: "ok",
              message:
                "The preflight allows the Authorization and Content-Type request headers (no credentials needed).",
            },
      );
    }
    add(
      !listHas(pre.headers.get("vary"), "origin")
        ? {
            id: "cors-vary",
            status: "warn",
            message:
              "The preflight answer does not say Vary: Origin: a cache may serve one origin's CORS answer to another.",
            fix: "Add Vary: Origin (latchkey's own CORS does).",
          }
        : { id: "cors-vary", status: "ok", message: "Answers say Vary: Origin." },
    );
  }

  // A token login attempt for a user that does not exist: refused for its credentials (400) only.
  const attempt = await fetch(`${base}/token/login/`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(crossOrigin ? { origin: spa.origin } : {}) },
    body: JSON.stringify({
      username: `doctor-${randomBytes(6).toString("hex")}`,
      password: randomBytes(12).toString("hex"),
    }),
  });
  const body = (await attempt.json().catch(() => ({}))) as { detail?: unknown; code?: unknown };
  const date = Date.parse(attempt.headers.get("date") ?? "");
  if (!Number.isNaN(date) && Math.abs(date - now()) > MAX_SKEW_MS)
    add({
      id: "clock",
      status: "warn",
      message: `The server's clock is ${Math.round((date - now()) / 1000)} s off from this machine's: token expiry times will be off by as much.`,
      fix: "Run NTP (chrony or systemd-timesyncd) on the server.",
    });
  else add({ id: "clock", status: "ok", message: "The server's clock agrees with this machine's (within a minute)." });
  if (attempt.status === 400)
    add({
      id: "token-login",
      status: "ok",
      message: `A token login attempt from ${spa.origin} was refused only for its (made-up) credentials.`,
    });
  else if (attempt.status === 404)
    add({
      id: "token-login",
      status: "fail",
      message: `POST ${base}/token/login/ answered 404: bearer tokens are off on this API (bearer.enabled false), or --api is not the base path of the auth routes.`,
      fix: 'Turn bearer tokens on (deployment "cross-site-token" does), or point --api at the base path of the auth routes.',
    });
  else if (attempt.status === 403)
    add({
      id: "token-login",
      status: "fail",
      message: `A token login from ${spa.origin} is refused: ${String(body.detail ?? "403")}${typeof body.code === "string" ? ` (${body.code})` : ""}`,
      fix: `Add "${spa.origin}" to trustedOrigins (LATCHKEY_TRUSTED_ORIGINS).`,
    });
  else
    add({
      id: "token-login",
      status: attempt.status === 429 ? "warn" : "fail",
      message:
        `A token login attempt answered ${attempt.status}: ${String(body.detail ?? "")}${typeof body.code === "string" ? ` (${body.code})` : ""}`.trim(),
      ...(attempt.status === 429 ? { fix: "Wait for the throttle window, then run the doctor again." } : {}),
      ...(attempt.status >= 502 && attempt.status <= 504
        ? { fix: "Start latchkey, and point the proxy's upstream at the address it listens on." }
        : {}),
    });

  return { spaOrigin: spa.origin, api: base, topology, ok: !checks.some((c) => c.status === "fail"), checks };
}
