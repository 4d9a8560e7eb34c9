import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError } from "../errors.js";
import { createLocalInvalidationBus } from "../sessions/local-invalidation-bus.js";
import { unusedStores } from "../test-fixtures.test.helper.js";
import type { LatchkeyOptions } from "./options.js";
import { normaliseOrigin, resolveConfig } from "./resolve-config.js";

function resolve(options: Omit<LatchkeyOptions, "stores">) {
  return resolveConfig({ ...options, stores: unusedStores() }).config;
}

/** The problems resolveConfig reports for these options (fails if it accepts them). */
function problemsOf(options: Record<string, unknown>): readonly string[] {
  try {
    resolveConfig({ stores: unusedStores(), ...options } as LatchkeyOptions);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.problems;
  }
  assert.fail(`accepted ${JSON.stringify(options)}`);
}

function assertProblem(options: Record<string, unknown>, pattern: RegExp): void {
  const problems = problemsOf(options);
  assert.ok(
    problems.some((p) => pattern.test(p)),
    `expected a problem matching ${String(pattern)}, got:\n${problems.join("\n")}`,
  );
}

describe("resolveConfig defaults", () => {
  it("fills in the Django-compatible defaults in development", () => {
    const config = resolve({});
    assert.equal(config.basePath, "/api");
    assert.deepEqual(config.routes.login, ["/api/login"]);
    assert.deepEqual(config.routes.openapi, ["/api/openapi.json"]);
    assert.equal(config.session.cookieName, "sessionid");
    assert.equal(config.session.idleTimeoutSeconds, 14 * 24 * 3600);
    assert.equal(config.session.absoluteTimeoutSeconds, 30 * 24 * 3600);
    assert.equal(config.cookies.secure, "auto");
    assert.equal(config.cookies.sameSite, "lax");
    assert.equal(config.cookies.hostPrefix, false);
    assert.equal(config.csrf.mode, "origin+token");
    assert.equal(config.csrf.cookieName, "csrftoken");
    assert.equal(config.csrf.headerName, "X-CSRFToken");
    assert.equal(config.csrf.headerKey, "x-csrftoken");
    assert.equal(config.trustProxy, 0);
    assert.deepEqual(config.compat, { loginWithoutCsrfToken: false, getLogout: false });
  });

  it("makes production cookies Secure and __Host- prefixed", () => {
    const config = resolve({ mode: "production" });
    assert.equal(config.cookies.secure, "always");
    assert.equal(config.session.cookieName, "__Host-sessionid");
    assert.equal(resolve({ mode: "production", session: { cookieName: "__Host-id" } }).session.cookieName, "__Host-id");
  });

  it("reads trustProxy true as one hop, a number as that many, false as none", () => {
    assert.equal(resolve({ trustProxy: true }).trustProxy, 1);
    assert.equal(resolve({ trustProxy: 3 }).trustProxy, 3);
    assert.equal(resolve({ trustProxy: false }).trustProxy, 0);
  });

  it('turns compat: "django" into every compat habit', () => {
    assert.deepEqual(resolve({ compat: "django" }).compat, { loginWithoutCsrfToken: true, getLogout: true });
  });

  it("joins basePath and route paths, aliases included, without trailing slashes", () => {
    const config = resolve({ basePath: "/auth/", routes: { login: ["/login/", "/sign-in"], whoami: "/me/" } });
    assert.deepEqual(config.routes.login, ["/auth/login", "/auth/sign-in"]);
    assert.deepEqual(config.routes.whoami, ["/auth/me"]);
    assert.deepEqual(resolve({ basePath: "" }).routes.csrf, ["/csrf"]);
  });

  it("turns routes off with false, and every token route off with bearer.enabled false", () => {
    assert.deepEqual(resolve({ routes: { passwordChange: false } }).routes.passwordChange, []);
    const config = resolve({ bearer: { enabled: false } });
    assert.deepEqual([config.routes.tokenLogin, config.routes.tokenLogout, config.routes.tokenLogoutAll], [[], [], []]);
  });

  it("normalises trusted origins and freezes the result deeply", () => {
    const config = resolve({ trustedOrigins: ["HTTP://LocalHost:5173", "https://app.example.com:443"] });
    assert.deepEqual([...config.trustedOrigins], ["http://localhost:5173", "https://app.example.com"]);
    assert.ok(Object.isFrozen(config) && Object.isFrozen(config.session) && Object.isFrozen(config.routes.login));
  });
});

describe("resolveConfig cross-field rules", () => {
  it('refuses SameSite=None with secure: "never" (browsers drop such cookies)', () => {
    assertProblem({ cookies: { sameSite: "none", secure: "never" } }, /^cookies\.sameSite: "none" requires Secure/);
  });

  it('refuses Partitioned with secure: "never"', () => {
    assertProblem({ cookies: { partitioned: true, secure: "never" } }, /^cookies\.partitioned:/);
  });

  it('refuses the __Host- prefix with secure: "never", and with a Domain', () => {
    assertProblem({ cookies: { hostPrefix: true, secure: "never" } }, /^cookies\.hostPrefix:/);
    assertProblem(
      { cookies: { hostPrefix: true, domain: "example.com" } },
      /^cookies\.domain: a __Host- cookie cannot have a Domain/,
    );
    assertProblem({ mode: "production", cookies: { domain: "example.com" } }, /^cookies\.domain:/);
    assert.equal(
      resolve({ mode: "production", cookies: { hostPrefix: false, domain: "example.com" } }).cookies.domain,
      "example.com",
    );
  });

  it('refuses secure: "never" in production unless allowInsecure is set', () => {
    assertProblem(
      { mode: "production", cookies: { secure: "never", hostPrefix: false } },
      /^cookies\.secure: "never" is refused in production/,
    );
    assert.equal(
      resolve({ mode: "production", allowInsecure: true, cookies: { secure: "never", hostPrefix: false } }).cookies
        .secure,
      "never",
    );
  });

  it("refuses a plain-http trusted origin in production unless allowInsecure is set", () => {
    assertProblem(
      { mode: "production", trustedOrigins: ["http://app.example.com"] },
      /^trustedOrigins\[0\]: .*plain http/,
    );
    assert.equal(resolve({ mode: "production", trustedOrigins: ["https://app.example.com"] }).trustedOrigins.size, 1);
    assert.equal(
      resolve({ mode: "production", allowInsecure: true, trustedOrigins: ["http://app.example.com"] }).trustedOrigins
        .size,
      1,
    );
  });

  it("refuses trusted origins that are not exact origins", () => {
    const problems = problemsOf({
      trustedOrigins: [
        "null",
        "https://*.example.com",
        "https://app.example.com/",
        "https://app.example.com/path",
        "app.example.com",
        "ftp://files.example.com",
        "https://user@app.example.com",
      ],
    });
    for (let i = 0; i < 7; i++)
      assert.ok(
        problems.some((p) => p.startsWith(`trustedOrigins[${i}]:`)),
        `trustedOrigins[${i}] reported:\n${problems.join("\n")}`,
      );
  });

  it("refuses an idle timeout longer than the absolute lifetime, for sessions and for bearer tokens", () => {
    assertProblem(
      { session: { idleTimeoutSeconds: 7200, absoluteTimeoutSeconds: 3600 } },
      /^session\.idleTimeoutSeconds \(7200\) must not exceed/,
    );
    assertProblem({ session: { idleTimeoutSeconds: 40 * 24 * 3600 } }, /^session\.idleTimeoutSeconds/);
    assertProblem(
      { bearer: { idleTimeoutSeconds: 7200, absoluteTimeoutSeconds: 3600 } },
      /^bearer\.idleTimeoutSeconds/,
    );
  });

  it("refuses passwords.minLength above maxLength, and a maxLength below 64", () => {
    assertProblem({ passwords: { minLength: 200, maxLength: 100 } }, /^passwords\.minLength \(200\) must not exceed/);
    assertProblem({ passwords: { maxLength: 32 } }, /^passwords\.maxLength: must allow at least 64/);
  });

  it("refuses two routes on one path, counting aliases and trailing slashes", () => {
    assertProblem(
      { routes: { login: "/x/", logout: "/x/" } },
      /^routes\.logout: path \/api\/x is already used by routes\.login/,
    );
    assertProblem(
      { routes: { whoami: ["/whoami/", "/login"] } },
      /^routes\.whoami: path \/api\/login is already used by routes\.login/,
    );
    assertProblem({ routes: { session: "/csrf" } }, /routes\.session: path \/api\/csrf/);
  });

  it("refuses a session cache without an invalidation bus, which would let revoked sessions live on in other processes", () => {
    assertProblem({ sessionCache: { enabled: true } }, /^sessionCache\.enabled: .*invalidationBus/);
    const config = resolveConfig({
      stores: unusedStores(),
      sessionCache: { enabled: true },
      invalidationBus: createLocalInvalidationBus(),
    }).config;
    assert.deepEqual(config.sessionCache, {
      enabled: true,
      maxEntries: 10_000,
      ttlSeconds: 60,
      syncTimeoutMs: 1_000,
      leasePeriodMs: 2_000,
      renewIntervalMs: 667,
      driftMarginMs: 200,
    });
    assert.equal(resolve({}).sessionCache.enabled, false);
  });

  it("derives the lease renewal and drift margin from a lease period of one's own, and refuses a renewal too rare to survive one failure", () => {
    const bus = createLocalInvalidationBus();
    const config = resolveConfig({
      stores: unusedStores(),
      sessionCache: { enabled: true, leasePeriodMs: 3_000 },
      invalidationBus: bus,
    }).config;
    assert.equal(config.sessionCache.renewIntervalMs, 1_000);
    assert.equal(config.sessionCache.driftMarginMs, 300);
    assertProblem(
      { sessionCache: { leasePeriodMs: 1_000, renewIntervalMs: 600 } },
      /^sessionCache\.renewIntervalMs: must be at most half/,
    );
    assertProblem(
      { sessionCache: { leasePeriodMs: 1_000, driftMarginMs: 600 } },
      /^sessionCache\.driftMarginMs: must be at most half/,
    );
  });

  it("refuses unknown options and wrongly typed values", () => {
    assertProblem({ sesion: {} }, /sesion/);
    assertProblem({ mode: "prod" }, /^mode:/);
    assertProblem({ csrf: { mode: "both" } }, /^csrf\.mode:/);
    assertProblem({ trustProxy: "yes" }, /^trustProxy:/);
    assertProblem({ routes: { login: "login" } }, /^routes\.login:/);
    assertProblem({ session: { cookieName: "bad name;" } }, /^session\.cookieName:/);
    assertProblem({ stores: { sessions: {}, users: {}, throttle: {} } }, /^stores\.sessions:/);
  });

  it("reports every problem at once, each on its own line of the message", () => {
    const options = {
      mode: "production",
      cookies: { sameSite: "none", secure: "never", partitioned: true, domain: "example.com" },
      trustedOrigins: ["http://app.example.com", "null"],
      session: { idleTimeoutSeconds: 100, absoluteTimeoutSeconds: 10 },
      routes: { login: "/same/", logout: "/same/" },
      passwords: { minLength: 500, maxLength: 100 },
      csrf: { mode: "nope" },
    };
    const problems = problemsOf(options);
    for (const prefix of [
      "cookies.sameSite",
      "cookies.partitioned",
      "cookies.hostPrefix",
      "cookies.secure",
      "cookies.domain",
      "trustedOrigins[0]",
      "trustedOrigins[1]",
      "session.idleTimeoutSeconds",
      "routes.logout",
      "passwords.minLength",
      "csrf.mode",
    ]) {
      assert.ok(
        problems.some((p) => p.startsWith(prefix)),
        `${prefix} reported:\n${problems.join("\n")}`,
      );
    }
    try {
      resolveConfig({ stores: unusedStores(), ...options } as unknown as LatchkeyOptions);
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      for (const problem of problems) assert.ok(error.message.includes(`  - ${problem}`));
    }
  });
});

describe("normaliseOrigin", () => {
  it("lower-cases and drops default ports", () => {
    assert.deepEqual(normaliseOrigin("HTTPS://App.Example.com:443"), { origin: "https://app.example.com" });
    assert.deepEqual(normaliseOrigin("http://localhost:5173"), { origin: "http://localhost:5173" });
  });
});

describe("resolveConfig throttle bounds", () => {
  it("defaults the in-flight bounds and the hashing concurrency, and takes given ones", () => {
    const defaults = resolve({}).throttle;
    assert.equal(defaults.maxInFlightPerAccount, 2);
    assert.equal(defaults.maxInFlightPerIp, 8);
    assert.ok(Number.isInteger(defaults.maxConcurrentChecks) && defaults.maxConcurrentChecks >= 1);
    const given = resolve({
      throttle: { maxInFlightPerAccount: 1, maxInFlightPerIp: 30, maxConcurrentChecks: 3 },
    }).throttle;
    assert.deepEqual([given.maxInFlightPerAccount, given.maxInFlightPerIp, given.maxConcurrentChecks], [1, 30, 3]);
  });

  it("refuses bounds below one", () => {
    assertProblem({ throttle: { maxInFlightPerAccount: 0 } }, /^throttle\.maxInFlightPerAccount:/);
    assertProblem({ throttle: { maxInFlightPerIp: -1 } }, /^throttle\.maxInFlightPerIp:/);
    assertProblem({ throttle: { maxConcurrentChecks: 1.5 } }, /^throttle\.maxConcurrentChecks:/);
  });
});

describe("resolveConfig second-factor settings", () => {
  it("refuses an encryption key that is not 32 bytes and a duplicate key id, without echoing the key", () => {
    const short = Buffer.alloc(16, 1).toString("base64");
    const problems = problemsOf({
      mfa: {
        encryptionKeys: [
          { id: "a", key: short },
          { id: "a", key: Buffer.alloc(32, 1).toString("base64") },
        ],
      },
    });
    assert.ok(
      problems.some((p) => /^mfa\.encryptionKeys\[0\]\.key: must be 32 bytes/.test(p)),
      problems.join("\n"),
    );
    assert.ok(
      problems.some((p) => /^mfa\.encryptionKeys\[1\]\.id: "a" is listed twice/.test(p)),
      problems.join("\n"),
    );
    assert.ok(problems.every((p) => !p.includes(short)));
  });

  it("turns TOTP enrolment off without a key and the MFA routes off without an MfaStore", () => {
    const config = resolve({});
    assert.deepEqual(config.routes.mfaTotpSetup, []);
    assert.deepEqual(config.routes.mfaAuthenticate, [], "the unused stores have no MfaStore");
    assert.equal(config.mfa.enabled, false);
    assert.equal(config.mfa.issuer, "latchkey");
    assert.equal(config.mfa.pendingLoginTtlSeconds, 300);
  });
});
