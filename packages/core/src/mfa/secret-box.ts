import { createCipheriv, createDecipheriv } from "node:crypto";
import type { MfaKey } from "../config/resolve-mfa-config.js";
import type { RandomSource } from "../ports/world.js";

/** Bytes of a GCM nonce: 96 bits, the size GCM is defined for (NIST SP 800-38D §5.2.1.1). */
const IV_BYTES = 12;
/** Bytes of the GCM authentication tag: the full 128 bits. */
const TAG_BYTES = 16;
const VERSION = "v1";

/** Seals and opens TOTP secrets with the configured keys. */
export interface SecretBox {
  /** Whether a key is configured to seal with. */
  readonly canSeal: boolean;
  /** Seals `secret` for `userId` under the first key: `v1.<keyId>.<iv>.<ciphertext+tag>`. Throws without a key. */
  seal(secret: Uint8Array, userId: string): string;
  /** The secret, or null when its key is no longer configured or the text was altered (or belongs to another user). */
  open(sealed: string, userId: string): Uint8Array | null;
}

/**
 * AES-256-GCM over TOTP secrets, so a leaked database or backup holds no secret that makes
 * codes (an attacker with the dump and the password would otherwise pass the second factor).
 * The user id is the associated data: a sealed secret copied onto another user's row does not
 * open (a database writer cannot plant their own authenticator on a victim unnoticed). Each
 * secret names its key id, so keys rotate: the first key seals, every listed key opens.
 */
export function createSecretBox(keys: readonly MfaKey[], random: RandomSource): SecretBox {
  const byId = new Map(keys.map((k) => [k.id, k.key]));
  const sealing = keys[0];
  return {
    canSeal: sealing !== undefined,
    seal(secret, userId) {
      if (sealing === undefined)
        throw new Error("No mfa.encryptionKeys configured: TOTP secrets are never stored in clear.");
      const iv = random.fill(new Uint8Array(IV_BYTES));
      const cipher = createCipheriv("aes-256-gcm", sealing.key, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(userId, "utf8"));
      const body = Buffer.concat([cipher.update(secret), cipher.final(), cipher.getAuthTag()]);
      return [VERSION, sealing.id, Buffer.from(iv).toString("base64url"), body.toString("base64url")].join(".");
    },
    open(sealed, userId) {
      const [version, keyId, ivText, bodyText, extra] = sealed.split(".");
      if (
        version !== VERSION ||
        keyId === undefined ||
        ivText === undefined ||
        bodyText === undefined ||
        extra !== undefined
      )
        return null;
      const key = byId.get(keyId);
      if (key === undefined) return null;
      const iv = Buffer.from(ivText, "base64url");
      const body = Buffer.from(bodyText, "base64url");
      if (iv.length !== IV_BYTES || body.length <= TAG_BYTES) return null;
      try {
        const decipher = createDecipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(Buffer.from(userId, "utf8"));
        decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
        return new Uint8Array(
          Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]),
        );
      } catch {
        return null;
      }
    },
  };
}
