import type { RouteName } from "@latchkey/protocol";
import { z } from "zod";
import { MFA_DEFAULTS } from "./mfa-defaults.js";
import type { LatchkeyOptions } from "./options.js";
import type { ResolvedConfig } from "./resolved-config.js";

/** AES-256 keys: 32 bytes. */
const KEY_BYTES = 32;

const encryptionKey = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, "must be 1–32 characters of A–Z, a–z, 0–9, _ and -"),
  key: z.string().min(1),
});

/** The second-factor entries of the options schema (merged into the main one). */
export const mfaOptionsShape = {
  mfa: z
    .strictObject({
      encryptionKeys: z.array(encryptionKey).optional(),
      issuer: z
        .string()
        .min(1)
        .max(100)
        .refine((v) => !v.includes(":"), "must not contain ':' (it separates issuer and account in authenticator apps)")
        .optional(),
      pendingLoginTtlSeconds: z.number().int().min(30).max(3600).optional(),
      attemptsPerPendingLogin: z.number().int().min(1).max(100).optional(),
      attemptsPerUser: z
        .strictObject({ points: z.number().int().positive(), durationSeconds: z.number().int().positive() })
        .optional(),
      pendingCookieName: z
        .string()
        .regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1–64 characters of A–Z, a–z, 0–9, _ and -")
        .optional(),
    })
    .optional(),
};

/** A key that seals TOTP secrets, decoded. */
export interface MfaKey {
  readonly id: string;
  readonly key: Uint8Array;
}

/** The routes that need an MfaStore (and an AccountStore, for session freshness). */
const MFA_ROUTES: readonly RouteName[] = [
  "mfa",
  "mfaTotpSetup",
  "mfaTotpConfirm",
  "mfaTotp",
  "mfaRecoveryCodes",
  "mfaAuthenticate",
];
/** The routes that store a new TOTP secret: they need an encryption key. */
const ENROLMENT_ROUTES: readonly RouteName[] = ["mfaTotpSetup", "mfaTotpConfirm"];

/** Decodes a base64 or base64url key, or null when it is not exactly 32 bytes. */
function decodeKey(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) return null;
  const bytes = Buffer.from(text.replaceAll("-", "+").replaceAll("_", "/"), "base64");
  return bytes.length === KEY_BYTES ? new Uint8Array(bytes) : null;
}

/**
 * Resolves the second-factor settings, decodes the encryption keys (every problem into
 * `problems`), and turns off the routes the stores or keys cannot serve: every MFA route
 * without an MfaStore and an AccountStore; TOTP enrolment without an encryption key, so a
 * secret is never stored in clear. Users who already have a factor still log in with it.
 */
export function resolveMfaConfig(
  o: LatchkeyOptions,
  routes: Record<RouteName, readonly string[]>,
  problems: string[],
  context: { productName: string; hostPrefix: boolean },
): { config: Pick<ResolvedConfig, "mfa">; keys: readonly MfaKey[] } {
  const d = MFA_DEFAULTS.mfa;
  const stores = o.stores as LatchkeyOptions["stores"] | undefined;
  const enabled = stores?.mfa !== undefined && stores.accounts !== undefined;
  const keys: MfaKey[] = [];
  const seen = new Set<string>();
  for (const [i, entry] of (o.mfa?.encryptionKeys ?? []).entries()) {
    if (typeof entry?.key !== "string" || typeof entry.id !== "string") continue;
    const key = decodeKey(entry.key);
    if (key === null)
      problems.push(
        `mfa.encryptionKeys[${i}].key: must be ${KEY_BYTES} bytes in base64 or base64url (make one with: openssl rand -base64 32)`,
      );
    if (seen.has(entry.id)) problems.push(`mfa.encryptionKeys[${i}].id: "${entry.id}" is listed twice`);
    seen.add(entry.id);
    if (key !== null) keys.push(Object.freeze({ id: entry.id, key }));
  }
  if (!enabled) for (const name of MFA_ROUTES) routes[name] = Object.freeze([]);
  if (keys.length === 0) for (const name of ENROLMENT_ROUTES) routes[name] = Object.freeze([]);
  const cookieBase = o.mfa?.pendingCookieName ?? d.pendingCookieName;
  return {
    config: {
      mfa: {
        enabled,
        totpEnrolment: enabled && keys.length > 0,
        issuer: o.mfa?.issuer ?? d.issuer ?? context.productName,
        pendingLoginTtlSeconds: o.mfa?.pendingLoginTtlSeconds ?? d.pendingLoginTtlSeconds,
        attemptsPerPendingLogin: o.mfa?.attemptsPerPendingLogin ?? d.attemptsPerPendingLogin,
        attemptsPerUser: o.mfa?.attemptsPerUser ?? d.attemptsPerUser,
        pendingCookieName:
          context.hostPrefix && !cookieBase.startsWith("__Host-") ? `__Host-${cookieBase}` : cookieBase,
        encryptionKeyIds: keys.map((k) => k.id),
      },
    },
    keys,
  };
}
