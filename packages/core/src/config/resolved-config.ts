import type { DeploymentPreset } from "./deployment-preset.js";
import type { PasswordHasher } from "@latchkey/password";
import type { RouteName } from "@latchkey/protocol";
import type { InvalidationBus } from "../ports/invalidation-bus.js";
import type { Stores } from "../ports/stores.js";
import type { Clock, Logger, RandomSource } from "../ports/world.js";
import type { MailTransport } from "../mail/mail-transport.js";
import type { MessageTemplates } from "../mail/render-message.js";
import type { MfaKey } from "./resolve-mfa-config.js";

/** A rate-limit window: `points` events per `durationSeconds`. */
export interface LimitWindow {
  readonly points: number;
  readonly durationSeconds: number;
}

/** Every setting resolved to its final value, validated and frozen. Built once by {@link resolveConfig}. */
export interface ResolvedConfig {
  readonly mode: "development" | "production";
  /** The deployment preset the config was built with, or null. */
  readonly deployment: DeploymentPreset | null;
  readonly basePath: string;
  /** Full paths of each route without trailing slash (empty when the route is off). */
  readonly routes: Readonly<Record<RouteName, readonly string[]>>;
  readonly userShape: "camel" | "drf";
  /** The body of a successful login: `{detail, user}` or the user object alone. */
  readonly loginResponse: "detail+user" | "user";
  readonly session: {
    /** The name actually used, `__Host-` prefix included. */
    readonly cookieName: string;
    readonly idleTimeoutSeconds: number;
    readonly absoluteTimeoutSeconds: number;
    readonly touchIntervalSeconds: number;
    readonly expireAtBrowserClose: boolean;
  };
  readonly cookies: {
    readonly secure: "auto" | "always" | "never";
    readonly sameSite: "lax" | "strict" | "none";
    readonly domain: string | null;
    readonly hostPrefix: boolean;
    readonly partitioned: boolean;
  };
  readonly csrf: {
    readonly mode: "origin+token" | "origin" | "token";
    readonly cookieName: string;
    readonly headerName: string;
    /** `headerName` in lower case, as headers are looked up. */
    readonly headerKey: string;
    readonly formFieldName: string;
    readonly cookieMaxAgeSeconds: number;
  };
  /** Normalised origins (`scheme://host[:port]`, lower case). */
  readonly trustedOrigins: ReadonlySet<string>;
  readonly cors: {
    readonly enabled: boolean;
    /** `Access-Control-Allow-Headers` value. */
    readonly allowHeaders: string;
    /** `Access-Control-Expose-Headers` value. */
    readonly exposeHeaders: string;
    readonly maxAgeSeconds: number;
  };
  /** Number of trusted proxy hops; 0 ignores `X-Forwarded-*`. */
  readonly trustProxy: number;
  readonly publicOrigin: string | null;
  readonly bearer: {
    readonly enabled: boolean;
    readonly idleTimeoutSeconds: number;
    readonly absoluteTimeoutSeconds: number;
  };
  readonly throttle: {
    readonly enabled: boolean;
    readonly perAccount: LimitWindow;
    readonly perIp: LimitWindow;
    /** Password checks one account may have in flight in this process; more get 429 at once. */
    readonly maxInFlightPerAccount: number;
    /** Password checks one client IP (IPv6: /64) may have in flight in this process; more get 429 at once. */
    readonly maxInFlightPerIp: number;
    /** Password checks running at once in this process; more wait, served round-robin by client IP. */
    readonly maxConcurrentChecks: number;
  };
  readonly passwords: {
    readonly minLength: number;
    readonly maxLength: number;
    readonly commonPasswordCheck: boolean;
  };
  readonly sessionCache: {
    readonly enabled: boolean;
    readonly maxEntries: number;
    readonly ttlSeconds: number;
    readonly syncTimeoutMs: number;
    /** Lease settings (config/cache-defaults.ts). Milliseconds. */
    readonly leasePeriodMs: number;
    readonly renewIntervalMs: number;
    readonly driftMarginMs: number;
  };
  readonly maxBodyBytes: number;
  /** Longest username accepted, checked before NFKC normalisation (as Django since CVE-2023-46695). */
  readonly maxUsernameLength: number;
  readonly compat: {
    readonly loginWithoutCsrfToken: boolean;
    readonly getLogout: boolean;
  };
  readonly hsts: {
    readonly enabled: boolean;
    readonly maxAgeSeconds: number;
    readonly includeSubDomains: boolean;
    readonly preload: boolean;
    /** The `Strict-Transport-Security` value, built once. */
    readonly header: string;
  };
  /** The `Clear-Site-Data` value of a cookie logout (`"cache", "cookies"`), or null for none. */
  readonly clearSiteDataOnLogout: string | null;
  // ---- Account lifecycle (SPEC §2a) ----
  readonly signup: {
    readonly enabled: boolean;
    readonly emailVerification: "mandatory" | "optional" | "none";
  };
  readonly login: { readonly identifiers: readonly ("username" | "email")[] };
  readonly accounts: {
    /** The account routes are served (the stores have an AccountStore). */
    readonly enabled: boolean;
    readonly verificationKeyTtlSeconds: number;
    readonly resetKeyTtlSeconds: number;
    readonly emailChangeKeyTtlSeconds: number;
    readonly reauthenticationWindowSeconds: number;
    readonly verifyEmailLinkPath: string;
    readonly resetPasswordLinkPath: string;
    readonly signupPerIp: LimitWindow;
    readonly mailPerAddress: LimitWindow;
    readonly mailPerIp: LimitWindow;
  };
  readonly mail: {
    readonly from: string;
    readonly productName: string;
    readonly templates: MessageTemplates;
    /** The folder the templates were read from (`mail.templatesDir`), or null. */
    readonly templatesDir: string | null;
    readonly pollIntervalMs: number;
    readonly retryBaseMs: number;
    readonly retryMaxMs: number;
    readonly leaseMs: number;
    readonly batchSize: number;
  };
  // ---- Passkeys (SPEC §2b) ----
  readonly passkeys: {
    /** The passkey routes are served (the stores have a PasskeyStore and an origin is known). */
    readonly enabled: boolean;
    readonly origins: readonly string[];
    readonly rpId: string;
    readonly rpName: string;
    readonly challengeTtlSeconds: number;
    readonly userVerification: "required" | "preferred";
    readonly loginOptionsPerIp: LimitWindow;
    readonly maxNameLength: number;
  };
  // ---- Second factors (SPEC §2b) ----
  readonly mfa: {
    /**
     * The MFA routes are served and logins ask for second factors (the stores have an MfaStore and an AccountStore).
     */
    readonly enabled: boolean;
    /** TOTP setup and confirmation are served (enabled, and an encryption key is configured). */
    readonly totpEnrolment: boolean;
    readonly issuer: string;
    readonly pendingLoginTtlSeconds: number;
    readonly attemptsPerPendingLogin: number;
    readonly attemptsPerUser: LimitWindow;
    /** The name actually used, `__Host-` prefix included. */
    readonly pendingCookieName: string;
    /**
     * Ids of the encryption keys, the sealing one first (the keys themselves live in the world, never in the config).
     */
    readonly encryptionKeyIds: readonly string[];
  };
}

/** The non-serialisable collaborators, resolved. */
export interface ResolvedWorld {
  readonly stores: Stores;
  readonly hasher: PasswordHasher;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly random: RandomSource;
  /** Where invalidations are published (and the cache subscribes), or null. */
  readonly invalidationBus: InvalidationBus | null;
  /** A clock that never jumps, in milliseconds (the session cache's leases); `performance.now()` unless injected. */
  readonly monotonic?: () => number;
  /** Where the outbox worker sends mail, or null (messages wait in the outbox). */
  readonly mailTransport: MailTransport | null;
  /** Keys that seal TOTP secrets, the sealing one first (empty: no TOTP enrolment). */
  readonly mfaKeys: readonly MfaKey[];
}
