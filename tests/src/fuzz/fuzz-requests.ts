import fc from "fast-check";

/**
 * A request the fuzzer sends. Strings may hold placeholders (`{{session}}`, `{{csrf}}`,
 * `{{bearer}}`, `{{username}}`, `{{password}}`, `{{basic}}`, `{{origin}}`) that the target
 * replaces at send time with the live values of its fixture user, so generated requests
 * reach past the CSRF and authentication checks as often as they stop at them.
 */
export interface FuzzRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  /** The body as text or bytes; null for none. */
  readonly body: string | Uint8Array | null;
}

/** Methods Node's HTTP parser accepts (any other is a framing error, answered before latchkey runs). */
const METHODS = [
  "GET",
  "HEAD",
  "POST",
  "PUT",
  "PATCH",
  "DELETE",
  "OPTIONS",
  "TRACE",
  "PROPFIND",
  "PURGE",
  "SEARCH",
  "LINK",
];

/** Printable ASCII: what a header value or a URL path may carry on the wire. */
// Arrays of characters joined, rather than fc.string with a custom unit, which spends seconds
// of start-up tokenizing its bias strings against the unit.
/** Any code points (lone surrogates included), up to `maxLength` of them. */
function anyText(maxLength: number): fc.Arbitrary<string> {
  return fc.array(fc.integer({ min: 0, max: 0x10ffff }), { maxLength }).map((codes) => String.fromCodePoint(...codes));
}
const shortText = fc
  .array(fc.integer({ min: 0x20, max: 0x7e }), { maxLength: 5 })
  .map((codes) => String.fromCharCode(...codes));
const printable = fc
  .array(fc.integer({ min: 0x20, max: 0x7e }), { maxLength: 40 })
  .map((codes) => String.fromCharCode(...codes));
const pathChars = fc
  .array(fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789-._~%!$&'()*+,;=:@/".split("")), { maxLength: 30 })
  .map((chars) => chars.join(""));
const tokenish = fc.oneof(
  fc.constantFrom("", "x", "null", "undefined", "0", ".", "a.b", "%00", "../../etc/passwd"),
  printable,
  fc.base64String({ maxLength: 120 }),
);

/** Request paths: the known ones (from the target), with and without the trailing slash, decorated, or garbage. */
function pathArbitrary(knownPaths: readonly string[]): fc.Arbitrary<string> {
  const known = fc.constantFrom(...knownPaths);
  const decorated = fc
    .tuple(
      known,
      fc.constantFrom(
        "",
        "/",
        "//",
        "?x=1",
        "/?next=/api/login/",
        "/..",
        "/%2e%2e/",
        "%2F",
        ";jsessionid=1",
        "/extra",
        "?a=%ZZ",
        "#frag",
        "%00",
      ),
    )
    .map(([p, suffix]) => p + suffix);
  const upper = known.map((p) => p.toUpperCase());
  const garbage = fc
    .tuple(fc.constantFrom("/", "/api/", "//", "/api//"), pathChars)
    .map(([prefix, rest]) => prefix + rest);
  return fc.oneof(
    { weight: 10, arbitrary: known },
    { weight: 3, arbitrary: decorated },
    { weight: 1, arbitrary: upper },
    { weight: 1, arbitrary: garbage },
  );
}

const contentTypes = fc.oneof(
  fc.constantFrom(
    "application/json",
    "application/json; charset=utf-8",
    "application/json; charset=UTF-8",
    "application/json; charset=latin1",
    "APPLICATION/JSON",
    "application/json;;;",
    "application/vnd.api+json",
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=utf-8",
    "multipart/form-data; boundary=----x",
    "text/plain",
    "text/html",
    "",
    "*/*",
  ),
  printable,
);

const cookieHeader = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        "sessionid={{session}}",
        "csrftoken={{csrfCookie}}",
        "sessionid=",
        "csrftoken=",
        "sessionid={{session}}x",
        "sessionid=a.b",
        "__Host-sessionid={{session}}",
      ),
      fc
        .tuple(fc.constantFrom("sessionid", "csrftoken", "other"), tokenish)
        .map(([name, value]) => `${name}=${value.replaceAll(";", "")}`),
    ),
    { maxLength: 4 },
  )
  .map((parts) => parts.join("; "));

const authorization = fc.oneof(
  fc.constantFrom(
    "Bearer {{bearer}}",
    "Token {{bearer}}",
    "bearer {{bearer}}",
    "Basic {{basic}}",
    "Bearer",
    "Basic",
    "Basic =",
    "Bearer {{session}}",
    "Negotiate abc",
  ),
  fc.tuple(fc.constantFrom("Bearer ", "Token ", "Basic ", ""), tokenish).map(([scheme, value]) => scheme + value),
);

/** One optional header each; fast-check decides which are present. */
const headers = fc.record(
  {
    "content-type": contentTypes,
    cookie: cookieHeader,
    authorization,
    origin: fc.oneof(
      fc.constantFrom(
        "{{origin}}",
        "http://evil.example",
        "null",
        "http://127.0.0.1",
        "https://127.0.0.1",
        "{{origin}}/",
        "file://",
      ),
      printable,
    ),
    "sec-fetch-site": fc.oneof(fc.constantFrom("same-origin", "same-site", "cross-site", "none"), printable),
    "x-csrftoken": fc.oneof(fc.constantFrom("{{csrf}}", "{{csrfCookie}}", ""), tokenish),
    referer: fc.constantFrom("{{origin}}/", "http://evil.example/", "garbage"),
    "x-forwarded-for": fc.oneof(fc.ipV4(), fc.ipV6(), printable),
    "x-forwarded-proto": fc.constantFrom("https", "http", "gopher"),
    "user-agent": printable,
    accept: fc.constantFrom("application/json", "text/html", "*/*", ""),
    "access-control-request-method": fc.constantFrom("POST", "GET", "DELETE", "X"),
  },
  { requiredKeys: [] },
);

/** JSON values a careless or hostile client might put where strings belong. */
const looseValue = fc.oneof(
  fc.constantFrom(
    "{{username}}",
    "{{password}}",
    "",
    " ",
    "\u0000",
    "admin",
    "é",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "a".repeat(200),
    "a".repeat(5000),
  ),
  anyText(30),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(shortText, { maxLength: 3 }),
  fc.dictionary(shortText, shortText, { maxKeys: 3 }),
);

const credentialsObject = fc.record(
  {
    username: looseValue,
    password: looseValue,
    old_password: looseValue,
    new_password: fc.oneof(looseValue, fc.constant("another long passphrase 42")),
    label: looseValue,
    csrfmiddlewaretoken: fc.constantFrom("{{csrf}}", "{{csrfCookie}}", "x"),
    constructor: fc.constant({ prototype: { polluted: true } }),
  },
  { requiredKeys: [] },
);

const bodies: fc.Arbitrary<string | Uint8Array | null> = fc.oneof(
  { weight: 4, arbitrary: fc.constant(null) },
  { weight: 6, arbitrary: credentialsObject.map((value) => JSON.stringify(value)) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)) },
  {
    weight: 3,
    arbitrary: fc
      .array(
        fc.tuple(
          fc.constantFrom("username", "password", "old_password", "new_password", "csrfmiddlewaretoken", "x", ""),
          fc.constantFrom("{{username}}", "{{password}}", "{{csrf}}", "", "%ZZ", "a+b", "%00"),
        ),
        { maxLength: 5 },
      )
      .map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join("&")),
  },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 20_000 }).map((depth) => "[".repeat(depth) + "]".repeat(depth)) },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 1, max: 5_000 }).map((depth) => '{"a":'.repeat(depth) + "1" + "}".repeat(depth)),
  },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 10_000, max: 70_000 })
      .map((size) => JSON.stringify({ username: "{{username}}", password: "x".repeat(size) })),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "",
      "{",
      "}",
      "null",
      "[]",
      '"str"',
      "0",
      "1e999",
      "-",
      "\ufeff{}",
      '{"username":"a","username":"b"}',
      "{'a':1}",
      "undefined",
      "NaN",
      '{"__proto__":{"x":1}}',
    ),
  },
  { weight: 1, arbitrary: anyText(200) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }) },
);

/**
 * The headers of a well-behaved SPA (same origin, session cookie, CSRF token), with at most
 * one header changed or added: requests that get past the CSRF and session checks and
 * reach the routes' own input handling.
 */
const plausibleHeaders = fc
  .tuple(
    fc.record({
      cookie: fc.constantFrom("sessionid={{session}}; csrftoken={{csrfCookie}}", "csrftoken={{csrfCookie}}"),
      origin: fc.constant("{{origin}}"),
      "sec-fetch-site": fc.constant("same-origin"),
      "x-csrftoken": fc.constant("{{csrf}}"),
      "content-type": fc.constantFrom("application/json", "application/x-www-form-urlencoded"),
    }),
    headers.map((generated) => Object.fromEntries(Object.entries(generated).slice(0, 1))),
  )
  .map(([base, change]) => ({ ...base, ...change }));

/** Every {@link FuzzRequest}, over the target's known paths: anything at all, and plausible SPA requests. */
export function requestArbitrary(knownPaths: readonly string[]): fc.Arbitrary<FuzzRequest> {
  return fc.record({
    method: fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom("GET", "POST") },
      { weight: 3, arbitrary: fc.constantFrom(...METHODS) },
    ),
    path: pathArbitrary(knownPaths),
    headers: fc.oneof(headers, plausibleHeaders),
    body: bodies,
  });
}
