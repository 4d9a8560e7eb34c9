import type { LatchkeyOptions } from "./options.js";

/**
 * Where the SPA and the API live (docs/deployment.md, SPEC §5). Each preset sets cookies,
 * CSRF, CORS and proxy trust together for that mode, and refuses what cannot work there:
 * - `same-origin`: the SPA is served by latchkey (or by the same Node server) — mode A;
 * - `reverse-proxy`: one origin behind a proxy that terminates TLS — mode B;
 * - `same-site`: the SPA on another origin of the same site (`app.example.com` →
 *   `api.example.com`, `localhost:5173` → `localhost:8000`) — mode C;
 * - `cross-site`: another site, with `SameSite=None; Secure; Partitioned` cookies — mode D;
 * - `cross-site-token`: another site, with bearer tokens and no cookies — mode D.
 */
export type DeploymentPreset = "same-origin" | "reverse-proxy" | "same-site" | "cross-site" | "cross-site-token";

/** Every preset name, in the order the docs list them. */
export const DEPLOYMENT_PRESETS: readonly DeploymentPreset[] = Object.freeze([
  "same-origin",
  "reverse-proxy",
  "same-site",
  "cross-site",
  "cross-site-token",
]);

/** What a preset fills in where the options say nothing. An explicit option always wins. */
const PRESET_DEFAULTS: Readonly<Record<DeploymentPreset, Pick<LatchkeyOptions, "cookies" | "cors" | "trustProxy">>> = {
  "same-origin": { cookies: { sameSite: "lax", partitioned: false }, cors: { enabled: false } },
  "reverse-proxy": { cookies: { sameSite: "lax", partitioned: false }, cors: { enabled: false }, trustProxy: 1 },
  "same-site": { cookies: { sameSite: "lax", partitioned: false }, cors: { enabled: true } },
  "cross-site": { cookies: { sameSite: "none", secure: "always", partitioned: true }, cors: { enabled: true } },
  "cross-site-token": { cookies: { sameSite: "lax", partitioned: false }, cors: { enabled: true } },
};

/** The fix to name when Partitioned cannot help: cookies that are already first-party, or none at all. */
const PARTITIONED_USELESS: Readonly<Partial<Record<DeploymentPreset, string>>> = {
  "same-origin": "the SPA and the API share an origin, so the cookies are first-party and never blocked as third-party",
  "reverse-proxy": "the browser sees one origin, so the cookies are first-party and never blocked as third-party",
  "same-site": "the SPA and the API are one site, so the cookies are first-party and never blocked as third-party",
  "cross-site-token": "token mode sends no cookies",
};

/**
 * The options with the preset's defaults filled in, and the problems of combinations that
 * cannot work in that mode (each with its fix). Without `deployment`, the options as given.
 */
export function applyDeploymentPreset(options: LatchkeyOptions): { options: LatchkeyOptions; problems: string[] } {
  const preset = options.deployment;
  if (preset === undefined || !DEPLOYMENT_PRESETS.includes(preset)) return { options, problems: [] };
  const defaults = PRESET_DEFAULTS[preset];
  const merged: LatchkeyOptions = {
    ...options,
    cookies: { ...defaults.cookies, ...options.cookies },
    cors: { ...defaults.cors, ...options.cors },
    ...(options.trustProxy === undefined && defaults.trustProxy !== undefined
      ? { trustProxy: defaults.trustProxy }
      : {}),
  };
  const problems: string[] = [];
  const where = `deployment "${preset}"`;
  const cookies = merged.cookies ?? {};
  const origins = options.trustedOrigins ?? [];
  const uselessBecause = PARTITIONED_USELESS[preset];
  if (uselessBecause !== undefined && cookies.partitioned === true) {
    problems.push(
      `cookies.partitioned: Partitioned cannot help with ${where}: ${uselessBecause}. Remove cookies.partitioned.`,
    );
  }
  if (preset === "reverse-proxy" && (merged.trustProxy === false || merged.trustProxy === 0)) {
    problems.push(
      `trustProxy: ${where} needs the proxy trusted (X-Forwarded-Proto and -Host tell latchkey the scheme and origin the browser used; without them Secure cookies and the CSRF Origin check go wrong). Set trustProxy to the number of proxies in front (usually 1).`,
    );
  }
  if ((preset === "same-site" || preset === "cross-site" || preset === "cross-site-token") && origins.length === 0) {
    problems.push(
      `trustedOrigins: ${where} serves an SPA on another origin, which needs its origin in trustedOrigins (for CORS and the CSRF Origin check), e.g. ["https://app.example.com"].`,
    );
  }
  if (preset === "cross-site") {
    if (cookies.sameSite !== "none") {
      problems.push(
        `cookies.sameSite: ${where} needs "none": browsers do not send "${cookies.sameSite ?? "lax"}" cookies on the SPA's cross-site requests. Remove cookies.sameSite, or use deployment "cross-site-token".`,
      );
    }
    if (cookies.secure === "never" || cookies.secure === "auto") {
      problems.push(
        `cookies.secure: ${where} needs "always": SameSite=None cookies must be Secure, so the API must be served over HTTPS. Remove cookies.secure (or use deployment "cross-site-token").`,
      );
    }
    if (typeof options.publicOrigin === "string" && options.publicOrigin.startsWith("http:")) {
      problems.push(
        `publicOrigin: ${where} needs HTTPS, but publicOrigin is "${options.publicOrigin}": browsers refuse Secure cookies from plain http. Serve the API over https://.`,
      );
    }
  }
  if (preset === "cross-site-token" && options.bearer?.enabled === false) {
    problems.push(
      `bearer.enabled: ${where} logs in with bearer tokens, which bearer.enabled: false turns off. Remove bearer.enabled.`,
    );
  }
  if ((preset === "same-origin" || preset === "reverse-proxy") && cookies.sameSite === "none") {
    problems.push(
      `cookies.sameSite: "none" is not needed with ${where} (one origin) and only exposes the cookies to cross-site requests. Remove cookies.sameSite.`,
    );
  }
  return { options: merged, problems };
}
