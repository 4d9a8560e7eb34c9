import { randomBytes } from "node:crypto";
import { getDomain } from "tldts";

// `latchkey doctor`: probes a live deployment from the outside, as the SPA's browser would,
// and says in words (with the fix) why login would fail. Topology is decided with the public
// suffix list (tldts), never by hand: `a.github.io` and `b.github.io` are two sites.

/** Where the SPA and the API are, as the browser sees them. */
export type Topology = "same-origin" | "same-site" | "cross-site";

/** One finding. `fail` means login cannot work; `warn` works in some browsers or not for long. */
export interface Check {
  id: string;
  status: "ok" | "warn" | "fail";
  message: string;
  fix?: string;
}

/** The doctor's verdict. */
export interface DoctorReport {
  spaOrigin: string;
  api: string;
  topology: Topology;
  /** True when no check failed: login can work. */
  ok: boolean;
  checks: Check[];
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);
/** Beyond this difference between the server's Date and ours, expiry times are off. */
const MAX_SKEW_MS = 60_000;

function siteOf(url: URL): string {
  // IP addresses and single-label hosts (localhost) have no registrable domain: the host is the site.
  return `${url.protocol}//${getDomain(url.hostname, { allowPrivateDomains: true }) ?? url.hostname}`;
}

/** same-origin, same-site or cross-site, by the public suffix list. */
export function topologyOf(spa: URL, api: URL): Topology {
  if (spa.origin === api.origin) return "same-origin";
  return siteOf(spa) === siteOf(api) ? "same-site" : "cross-site";
}

/** The attributes of one Set-Cookie line, names lower-cased. */
function cookieAttributes(line: string): { name: string; attributes: Map<string, string> } {
  const [pair = "", ...rest] = line.split(";");
  const attributes = new Map<string, string>();
  for (const part of rest) {
    const [key = "", ...value] = part.trim().split("=");
    attributes.set(key.toLowerCase(), value.join("="));
  }
  return { name: pair.slice(0, pair.indexOf("=")).trim(), attributes };
}

function listHas(header: string | null, item: string): boolean {
  return (header ?? "").split(",").some((v) => v.trim().toLowerCase() === item.toLowerCase());
}

/** HSTS max-age below this (about six months) leaves little protection between visits. */
const MIN_HSTS_SECONDS = 15_552_000;

function hstsCheck(hsts: string | null): Check {
  const fix = "Send `Strict-Transport-Security: max-age=31536000` from the TLS proxy.";
  if (hsts === null)
    return {
      id: "hsts",
      status: "warn",
      message:
        "No Strict-Transport-Security header: a first visit over http can be intercepted (SSL stripping), and the session cookie with it.",
      fix,
    };
  const maxAge = /(?:^|;)\s*max-age\s*=\s*"?(\d+)"?/i.exec(hsts);
  if (maxAge === null)
    return {
      id: "hsts",
      status: "warn",
      message: `Strict-Transport-Security "${hsts}" has no max-age, so browsers ignore it.`,
      fix,
    };
  const seconds = Number(maxAge[1]);
  if (seconds === 0)
    return {
      id: "hsts",
      status: "warn",
      message: "Strict-Transport-Security max-age=0 tells browsers to forget HSTS for this host.",
      fix,
    };
  if (seconds < MIN_HSTS_SECONDS)
    return {
      id: "hsts",
      status: "warn",
      message: `Strict-Transport-Security max-age=${seconds} (${Math.round(seconds / 86_400)} days) lapses between visits; a visit after it can be intercepted over http.`,
      fix,
    };
  return { id: "hsts", status: "ok", message: `HSTS: ${hsts}` };
}

/**
 * The CSRF cookie among an answer's Set-Cookie lines: by its usual name, then any name saying csrf/xsrf, then the only
 * line.
 */
function csrfCookieLine(lines: readonly string[]): string | undefined {
  const nameOf = (line: string): string => (line.split("=")[0] ?? "").trim();
  return (
    lines.find((line) => /^(__Host-|__Secure-)?csrftoken$/.test(nameOf(line))) ??
    lines.find((line) => /c?srf/i.test(nameOf(line))) ??
    (lines.length === 1 ? lines[0] : undefined)
  );
}

/** Why the browser rejects a `__Host-` or `__Secure-` cookie, or null when it keeps the rules. */
function prefixProblem(line: string): string | null {
  const { name, attributes } = cookieAttributes(line);
  if (name.startsWith("__Host-")) {
    const broken = [
      !attributes.has("secure") && "it is not Secure",
      attributes.get("path") !== "/" &&
        `its Path is ${attributes.has("path") ? `"${attributes.get("path") ?? ""}"` : "missing"}, not /`,
      attributes.has("domain") && `it has Domain=${attributes.get("domain") ?? ""}`,
    ].filter((v): v is string => typeof v === "string");
    return broken.length === 0
      ? null
      : `${name} breaks the __Host- rules (Secure, Path=/, no Domain): ${broken.join(", ")}; the browser rejects it.`;
  }
  if (name.startsWith("__Secure-") && !attributes.has("secure"))
    return `${name} is not Secure, which its __Secure- prefix requires; the browser rejects it.`;
  return null;
}

/**
 * Probes the deployment: `spaUrl` is a page of the SPA, `apiBase` the API's base URL (the
 * routes are `<apiBase>/csrf/`, `<apiBase>/login/`). Never logs in: the CSRF flow is proven
 * with a login attempt for a random user, which must get past CSRF and fail on credentials.
 */
export async function probeDeployment(
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
  const https = api.protocol === "https:";
  const loopback = LOOPBACK.has(api.hostname);

  // TLS and HSTS.
  if (!https && !loopback) {
    add({
      id: "tls",
      status: topology === "cross-site" ? "fail" : "warn",
      message: `The API is plain http on ${api.hostname}: browsers refuse Secure cookies from it${topology === "cross-site" ? ", and cross-site cookies must be Secure" : ""}.`,
      fix: "Serve the API over https:// (TLS at the proxy, with trustProxy set).",
    });
  } else
    add({
      id: "tls",
      status: "ok",
      message: https
        ? "The API is served over HTTPS."
        : "The API is on loopback, where browsers accept Secure cookies over http.",
    });

  const csrfRes = await fetch(`${base}/csrf/`, { headers: topology === "same-origin" ? {} : { origin: spa.origin } });
  if (https) {
    const hsts = csrfRes.headers.get("strict-transport-security");
    add(hstsCheck(hsts));
  }

  // A proxy in front that cannot reach latchkey, or that rewrites the path (docs/deployment.md, mode B).
  if (csrfRes.status === 502 || csrfRes.status === 503 || csrfRes.status === 504)
    add({
      id: "api-answer",
      status: "fail",
      message: `GET ${base}/csrf/ answered ${csrfRes.status}: the proxy in front cannot reach latchkey.`,
      fix: "Start latchkey (latchkey serve), and point the proxy's upstream (nginx proxy_pass) at the address it listens on.",
    });
  else if (csrfRes.status === 404)
    add({
      id: "api-answer",
      status: "fail",
      message: `GET ${base}/csrf/ answered 404: there is no auth route at that path. Either --api is not the base path of the auth routes, or a proxy in front strips the path (nginx proxy_pass with a trailing slash turns /api/csrf/ into /csrf/).`,
      fix: "Write proxy_pass without a trailing slash (proxy_pass http://127.0.0.1:8000;), or point --api at the base path of the auth routes.",
    });

  // Clock skew: cookie Expires and session expiry are computed from the server's clock.
  const date = Date.parse(csrfRes.headers.get("date") ?? "");
  if (!Number.isNaN(date) && Math.abs(date - now()) > MAX_SKEW_MS) {
    add({
      id: "clock",
      status: "warn",
      message: `The server's clock is ${Math.round((date - now()) / 1000)} s off from this machine's: cookie expiry times will be off by as much.`,
      fix: "Run NTP (chrony or systemd-timesyncd) on the server.",
    });
  } else
    add({ id: "clock", status: "ok", message: "The server's clock agrees with this machine's (within a minute)." });

  // CORS, for an SPA on another origin.
  if (topology !== "same-origin") {
    const pre = await fetch(`${base}/login/`, {
      method: "OPTIONS",
      headers: {
        origin: spa.origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type,x-csrftoken",
      },
    });
    const allowOrigin = pre.headers.get("access-control-allow-origin");
    if (allowOrigin !== spa.origin) {
      add({
        id: "cors-origin",
        status: "fail",
        message:
          allowOrigin === null
            ? `The API answers the preflight from ${spa.origin} without Access-Control-Allow-Origin: the browser blocks the login.`
            : `The preflight answer allows origin "${allowOrigin}", not ${spa.origin}.`,
        fix: `Add "${spa.origin}" to trustedOrigins (LATCHKEY_TRUSTED_ORIGINS), exactly: scheme, host and port.`,
      });
    } else add({ id: "cors-origin", status: "ok", message: `CORS allows ${spa.origin}.` });
    if (allowOrigin === spa.origin) {
      // Both the preflight and the actual answer must allow credentials, or the browser drops the answer.
      const credentialsMissing = [pre, csrfRes].some(
        (res) => res.headers.get("access-control-allow-credentials") !== "true",
      );
      add(
        credentialsMissing
          ? {
              id: "cors-credentials",
              status: "fail",
              message:
                "An answer lacks Access-Control-Allow-Credentials: true (the preflight's or GET /csrf/'s), so the browser neither sends nor stores cookies and refuses the answer.",
              fix: "Leave CORS to latchkey (cors.enabled), or allow credentials in your own CORS layer.",
            }
          : { id: "cors-credentials", status: "ok", message: "CORS allows credentials (cookies)." },
      );
      add(
        !listHas(pre.headers.get("access-control-allow-headers"), "x-csrftoken") ||
          !listHas(pre.headers.get("access-control-allow-headers"), "content-type")
          ? {
              id: "cors-headers",
              status: "fail",
              message: `The preflight allows the request headers "${pre.headers.get("access-control-allow-headers") ?? ""}", not both X-CSRFToken and Content-Type: the login cannot carry its CSRF token and JSON body.`,
              fix: "Allow X-CSRFToken and Content-Type (latchkey's own CORS always does).",
            }
          : {
              id: "cors-headers",
              status: "ok",
              message: "The preflight allows the X-CSRFToken and Content-Type request headers.",
            },
      );
      add(
        !listHas(csrfRes.headers.get("access-control-expose-headers"), "x-csrftoken")
          ? {
              id: "cors-expose",
              status: "fail",
              message:
                "X-CSRFToken is not exposed: the SPA cannot read the API's cookie from another origin, nor the header, so it sends no token.",
              fix: "Expose X-CSRFToken (Access-Control-Expose-Headers), or leave CORS to latchkey.",
            }
          : { id: "cors-expose", status: "ok", message: "The X-CSRFToken answer header is exposed to the SPA." },
      );
    }
    // A cache in front (CDN, proxy) that ignores Origin serves one origin's CORS answer to another.
    add(
      !listHas(csrfRes.headers.get("vary"), "origin") || !listHas(pre.headers.get("vary"), "origin")
        ? {
            id: "cors-vary",
            status: "warn",
            message: "Answers do not say Vary: Origin: a cache may serve one origin's CORS answer to another.",
            fix: "Add Vary: Origin (latchkey's own CORS does).",
          }
        : { id: "cors-vary", status: "ok", message: "Answers say Vary: Origin." },
    );
  }

  // Set-Cookie attributes against the topology.
  const setCookies = csrfRes.headers.getSetCookie();
  const csrfLine = csrfCookieLine(setCookies);
  if (csrfLine === undefined) {
    add({
      id: "cookies",
      status: "fail",
      message: `GET ${base}/csrf/ set no CSRF cookie: is this a latchkey API, and is --api its base URL?`,
      fix: "Point --api at the base path of the auth routes (e.g. https://api.example.com/api).",
    });
  } else {
    const { attributes } = cookieAttributes(csrfLine);
    const sameSite = (attributes.get("samesite") ?? "lax").toLowerCase();
    const secure = attributes.has("secure");
    if (topology === "cross-site" && sameSite !== "none")
      add({
        id: "cookie-samesite",
        status: "fail",
        message: `The cookies are SameSite=${sameSite}: the browser does not send them on the SPA's cross-site requests.`,
        fix: 'Use deployment "cross-site" (SameSite=None; Secure; Partitioned), or "cross-site-token".',
      });
    if (topology === "cross-site" && !secure)
      add({
        id: "cookie-secure",
        status: "fail",
        message:
          "The cookies are not Secure: cross-site cookies must be SameSite=None; Secure, and browsers drop SameSite=None cookies without Secure.",
        fix: 'Serve over HTTPS and set cookies.secure "always" (deployment "cross-site" does).',
      });
    if (topology === "cross-site" && sameSite === "none" && !attributes.has("partitioned"))
      add({
        id: "cookie-partitioned",
        status: "warn",
        message:
          "The cookies are not Partitioned: browsers that block third-party cookies (Safari, Firefox, Chrome with the setting on) drop them.",
        fix: 'Set cookies.partitioned true (deployment "cross-site" does), or use token mode.',
      });
    if (topology !== "cross-site" && sameSite === "none" && !secure)
      add({
        id: "cookie-secure",
        status: "fail",
        message: "The cookies are SameSite=None without Secure: browsers drop such cookies.",
        fix: 'Use SameSite=Lax (the default) here, or Secure cookies (cookies.secure "always"), and check that no proxy strips Secure.',
      });
    if (topology !== "cross-site" && sameSite === "none")
      add({
        id: "cookie-samesite",
        status: "warn",
        message: "SameSite=None is not needed here and sends the cookies on cross-site requests.",
        fix: "Use SameSite=Lax (the default).",
      });
    for (const line of setCookies) {
      const problem = prefixProblem(line);
      if (problem !== null)
        add({
          id: "cookie-host-prefix",
          status: "fail",
          message: problem,
          fix: "Serve over HTTPS with Secure cookies, keep Path=/, and remove cookies.domain (or a proxy's Domain rewrite) for __Host- cookies.",
        });
    }
    if (https && !secure)
      add({
        id: "proxy",
        status: "fail",
        message:
          "The API is reached over HTTPS but its cookies are not Secure: a proxy terminates TLS and latchkey does not trust its X-Forwarded-Proto, so it thinks the request was http (and the CSRF Origin check sees the wrong scheme).",
        fix: 'Set trustProxy to the number of proxies in front (deployment "reverse-proxy" sets 1), and have the proxy send X-Forwarded-Proto and X-Forwarded-Host.',
      });
    if (!checks.some((c) => c.id.startsWith("cookie") || c.id === "proxy"))
      add({ id: "cookies", status: "ok", message: `The cookies' attributes suit a ${topology} deployment.` });
  }

  // The CSRF flow end to end: a login attempt for a user that does not exist must get past
  // the CSRF checks and fail on the credentials (400), not on CSRF (403).
  const token = csrfRes.headers.get("x-csrftoken");
  const cookie = setCookies.map((line) => line.split(";")[0]).join("; ");
  const attempt = await fetch(`${base}/login/`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      origin: spa.origin,
      "sec-fetch-site": topology,
      ...(token === null ? {} : { "x-csrftoken": token }),
      ...(cookie === "" ? {} : { cookie }),
    },
    body: JSON.stringify({
      username: `doctor-${randomBytes(6).toString("hex")}`,
      password: randomBytes(12).toString("hex"),
    }),
  });
  const body = (await attempt.json().catch(() => ({}))) as { detail?: unknown; code?: unknown };
  if (attempt.status === 403)
    add({
      id: "csrf",
      status: "fail",
      message: `A login from ${spa.origin} is refused by CSRF: ${String(body.detail ?? "403")}`,
      fix:
        body.code === "csrf_origin_untrusted" || body.code === "csrf_cross_site"
          ? `Add "${spa.origin}" to trustedOrigins.`
          : "See docs/deployment.md for this mode.",
    });
  else if (attempt.status === 400)
    add({
      id: "csrf",
      status: "ok",
      message:
        "The CSRF flow works: a login attempt passed the CSRF checks and was refused only for its (made-up) credentials.",
    });
  else
    add({
      id: "csrf",
      status: attempt.status === 429 ? "warn" : "fail",
      message: `A login attempt answered ${attempt.status}: ${String(body.detail ?? "")}`.trim(),
    });

  return { spaOrigin: spa.origin, api: base, topology, ok: !checks.some((c) => c.status === "fail"), checks };
}
