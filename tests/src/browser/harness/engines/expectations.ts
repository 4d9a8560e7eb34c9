import type { EngineName } from "./engine.js";

/**
 * What an engine does with the cookies an API on another site sets in answer to the SPA's
 * `fetch`: keeps them (for the SPA's site when partitioned), so the login works; or drops
 * them, so the login form says "CSRF cookie not set".
 */
export type CrossSiteCookies = { readonly kept: true; readonly partitionKey: string | null } | { readonly kept: false };

/**
 * Each engine's documented behaviour where the engines differ: the per-engine table of
 * docs/deployment.md ("Browser engines"), which the tests assert. Where an engine agrees with
 * the others, the tests assert the shared behaviour directly.
 */
export interface EngineExpectations {
  /** Mode D1 with CHIPS: `SameSite=None; Secure; Partitioned` cookies from https://api.example.net. */
  readonly d1Partitioned: CrossSiteCookies;
  /** Mode D1's cookie config without `cookies.partitioned` (`SameSite=None; Secure` only). */
  readonly d1Unpartitioned: CrossSiteCookies;
  /**
   * Mode C2 on sibling names under a suffix missing from the Public Suffix List
   * (`app.example.test` → `api.example.test`): does the engine keep the API's cookies?
   */
  readonly c2OutsidePublicSuffixList: CrossSiteCookies;
  /**
   * What the engine says about the dropped `csrftoken` in those two cases (see
   * {@link PageDiagnostics.refusedSetCookies}); null: the engine does not say.
   */
  readonly refusedThirdPartyCookie: string | null;
  /** What it says about the `SameSite=Lax` csrftoken of an API on http://127.0.0.1 called from http://localhost. */
  readonly refusedCrossSiteLaxCookie: string | null;
  /** The message of the TypeError `fetch` rejects with when CORS hides an answer (the SPA shows it). */
  readonly corsFetchError: string;
  /**
   * Whether a console line names the CORS refusal of `GET <apiOrigin>/api/session/` from
   * `appOrigin`; null: the driver cannot read the console (WebKit).
   */
  readonly corsConsoleLine: ((line: string, apiOrigin: string, appOrigin: string) => boolean) | null;
}

const CHIPS_PARTITION = "https://example.test";

/** The table, by engine. */
export const EXPECTATIONS: Readonly<Record<EngineName, EngineExpectations>> = Object.freeze({
  chromium: {
    d1Partitioned: { kept: true, partitionKey: CHIPS_PARTITION },
    // Third-party cookies are blocked by default in this build (profile.cookie_controls_mode 1).
    d1Unpartitioned: { kept: false },
    c2OutsidePublicSuffixList: { kept: true, partitionKey: null },
    refusedThirdPartyCookie: "csrftoken: UserPreferences",
    refusedCrossSiteLaxCookie: "csrftoken: UserPreferences",
    corsFetchError: "Failed to fetch",
    corsConsoleLine: (line, apiOrigin, appOrigin) =>
      line.startsWith(`Access to fetch at '${apiOrigin}/api/session/'`) &&
      line.includes(`from origin '${appOrigin}' has been blocked by CORS policy`),
  },
  firefox: {
    // Total Cookie Protection (network.cookie.cookieBehavior 5, the default) keeps every
    // third-party cookie, Partitioned or not, in a jar keyed by the top-level site.
    d1Partitioned: { kept: true, partitionKey: CHIPS_PARTITION },
    d1Unpartitioned: { kept: true, partitionKey: CHIPS_PARTITION },
    c2OutsidePublicSuffixList: { kept: true, partitionKey: null },
    refusedThirdPartyCookie: null,
    refusedCrossSiteLaxCookie: "csrftoken: it is in a cross-site context and its “SameSite” is “Lax” or “Strict”",
    corsFetchError: "NetworkError when attempting to fetch resource.",
    corsConsoleLine: (line, apiOrigin) =>
      line.startsWith(
        `Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at ${apiOrigin}/api/session/.`,
      ),
  },
  webkit: {
    // WebKitGTK's cookie policy no-third-party (WEBKIT_COOKIE_POLICY_ACCEPT_NO_THIRD_PARTY,
    // MiniBrowser's and Epiphany's default) refuses every cookie a third-party response sets;
    // WebKitGTK 2.50 has no partitioned cookies, so Partitioned changes nothing.
    d1Partitioned: { kept: false },
    d1Unpartitioned: { kept: false },
    // libsoup finds the registrable domain through the Public Suffix List; without one
    // (`.test` is not listed) it compares whole host names, so a sibling is third party.
    c2OutsidePublicSuffixList: { kept: false },
    refusedThirdPartyCookie: null,
    refusedCrossSiteLaxCookie: null,
    corsFetchError: "Load failed",
    corsConsoleLine: null,
  },
});
