// Chromium's own reasons for refusing a cookie, as the DevTools protocol names them
// (`Network.SetCookieBlockedReason`, `Network.CookieBlockedReason`, and the
// `Exclude…`/`Warn…` reasons of `Audits.CookieIssueDetails`), in plain words with the fix.

/** What a reason means for a latchkey deployment, and how to fix it. */
export interface ReasonText {
  words: string;
  fix: string;
}

const CROSS_SITE_FIX =
  'Use deployment "cross-site" (SameSite=None; Secure; Partitioned over HTTPS) or "cross-site-token", or serve the SPA and the API from one site.';
const THIRD_PARTY_FIX =
  'Set cookies.partitioned true (deployment "cross-site" does), or use token mode ("cross-site-token"), or put the API on the SPA\'s site (api.example.com for app.example.com).';

const REASONS: Readonly<Record<string, ReasonText>> = {
  SameSiteNoneInsecure: {
    words: "it is SameSite=None without Secure, which Chromium refuses",
    fix: 'Serve the API over HTTPS and set cookies.secure "always" (deployment "cross-site" does both checks at start-up).',
  },
  SameSiteLax: { words: "it is SameSite=Lax, and this request is cross-site", fix: CROSS_SITE_FIX },
  SameSiteStrict: { words: "it is SameSite=Strict, and this request is cross-site", fix: CROSS_SITE_FIX },
  SameSiteUnspecifiedTreatedAsLax: {
    words: "it has no SameSite attribute, so Chromium treats it as Lax, and this request is cross-site",
    fix: CROSS_SITE_FIX,
  },
  SecureOnly: {
    words: "it is Secure but the API was reached over plain http (not loopback)",
    fix: "Serve the API over https://.",
  },
  SchemefulSameSiteLax: {
    words: "it is SameSite=Lax, and the SPA and the API differ in scheme (http vs https), which makes them two sites",
    fix: "Serve the SPA and the API both over https://.",
  },
  SchemefulSameSiteStrict: {
    words: "it is SameSite=Strict, and the SPA and the API differ in scheme (http vs https)",
    fix: "Serve the SPA and the API both over https://.",
  },
  SchemefulSameSiteUnspecifiedTreatedAsLax: {
    words: "it has no SameSite attribute (treated as Lax), and the SPA and the API differ in scheme",
    fix: "Serve the SPA and the API both over https://.",
  },
  UserPreferences: { words: "this browser blocks third-party cookies", fix: THIRD_PARTY_FIX },
  ThirdPartyPhaseout: { words: "Chromium blocks third-party cookies (the phase-out)", fix: THIRD_PARTY_FIX },
  ThirdPartyBlockedInFirstPartySet: { words: "this browser blocks third-party cookies", fix: THIRD_PARTY_FIX },
  InvalidDomain: {
    words: "its Domain attribute does not cover the API's host",
    fix: "Set cookies.domain to the API's registrable domain or a parent of its host, or leave it unset.",
  },
  InvalidPrefix: {
    words: "it breaks the rules of its __Host- or __Secure- prefix (Secure, and for __Host-: Path=/ and no Domain)",
    fix: "Serve over HTTPS and, with a __Host- name, leave cookies.domain unset.",
  },
  DisallowedCharacter: {
    words: "its value has characters a cookie may not hold",
    fix: "Report this: latchkey's cookies never should.",
  },
  NoCookieContent: { words: "the Set-Cookie line is empty", fix: "Check that no proxy rewrites Set-Cookie." },
  SyntaxError: { words: "the Set-Cookie line cannot be parsed", fix: "Check that no proxy rewrites Set-Cookie." },
  NameValuePairExceedsMaxSize: {
    words: "it is larger than 4096 bytes",
    fix: "Check that no proxy rewrites Set-Cookie.",
  },
  PartitionedCookie: {
    words: "it is Partitioned but not Secure",
    fix: 'Serve over HTTPS with cookies.secure "always".',
  },
  InvalidPartitionedCookie: {
    words: "it is Partitioned but not Secure, or has a __Host- name rule broken",
    fix: 'Serve over HTTPS with cookies.secure "always".',
  },
  NotOnPath: { words: "its Path does not cover this request", fix: "Leave the cookie path at / (latchkey's default)." },
  ThirdPartyCookieBlockedInFirstPartySet: { words: "this browser blocks third-party cookies", fix: THIRD_PARTY_FIX },
  PortMismatch: {
    words: "it was set for another port of this host",
    fix: "Serve the SPA's API calls from the port that set the cookie.",
  },
  SchemeMismatch: {
    words: "it was set over https and this request is http (or the reverse)",
    fix: "Serve everything over https://.",
  },
  DomainMismatch: {
    words: "its Domain does not match this request's host",
    fix: "Set cookies.domain to cover the API's host, or leave it unset.",
  },
};

/** Plain words and fix for one of Chromium's reason names (an `Exclude`/`Warn` prefix is dropped). */
export function explainReason(reason: string): ReasonText {
  const name = reason.replace(/^(Exclude|Warn)/, "");
  return (
    REASONS[name] ?? {
      words: `Chromium gave the reason "${reason}"`,
      fix: "See https://chromedevtools.github.io/devtools-protocol/tot/Network/ for what it means.",
    }
  );
}
