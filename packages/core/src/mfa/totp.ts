import { Secret, TOTP } from "otpauth";
import QRCode from "qrcode";
import type { RandomSource } from "../ports/world.js";

/** RFC 6238 defaults every authenticator app supports: HMAC-SHA-1, 6 digits, 30-second steps. */
const ALGORITHM = "SHA1";
const DIGITS = 6;
const PERIOD_SECONDS = 30;
/**
 * Steps either side of now still accepted, for clock drift and typing time (RFC 6238 §5.2: one step back is
 * recommended).
 */
const WINDOW = 1;
/** Bytes of a new secret: 160 bits, the HMAC-SHA-1 output size RFC 4226 §4 recommends. */
const SECRET_BYTES = 20;
const CODE_PATTERN = /^\d{6}$/;

function totpOf(secret: Uint8Array, issuer = "", label = ""): TOTP {
  return new TOTP({
    issuer,
    label,
    secret: new Secret({ buffer: Uint8Array.from(secret).buffer }),
    algorithm: ALGORITHM,
    digits: DIGITS,
    period: PERIOD_SECONDS,
  });
}

/** A new TOTP secret from the CSPRNG. */
export function newTotpSecret(random: RandomSource): Uint8Array {
  return random.fill(new Uint8Array(SECRET_BYTES));
}

/** The secret in base32, as people type it into an app that cannot scan. */
export function totpSecretBase32(secret: Uint8Array): string {
  return new Secret({ buffer: Uint8Array.from(secret).buffer }).base32;
}

/** The `otpauth://totp/…` URL authenticator apps scan (issuer = product name, label = username). */
export function totpUrl(secret: Uint8Array, issuer: string, username: string): string {
  return totpOf(secret, issuer, username).toString();
}

/** The `otpauth://` URL as a QR code in SVG. */
export async function totpQrSvg(url: string): Promise<string> {
  return QRCode.toString(url, { type: "svg", errorCorrectionLevel: "M", margin: 2 });
}

/** Whether `code` has the shape of a TOTP code (6 digits). */
export function looksLikeTotpCode(code: string): boolean {
  return CODE_PATTERN.test(code);
}

/**
 * The time step (RFC 6238 counter T) whose code `code` is, within ±1 step of `nowMs`, or null.
 * The caller then accepts the step only if it is later than the last one accepted, so a
 * code is good once (RFC 6238 §5.2: "the verifier MUST NOT accept the second attempt of the
 * same OTP"). otpauth compares codes in constant time.
 */
export function matchTotpStep(secret: Uint8Array, code: string, nowMs: number): number | null {
  if (!looksLikeTotpCode(code)) return null;
  const delta = totpOf(secret).validate({ token: code, timestamp: nowMs, window: WINDOW });
  if (delta === null) return null;
  return TOTP.counter({ period: PERIOD_SECONDS, timestamp: nowMs }) + delta;
}
