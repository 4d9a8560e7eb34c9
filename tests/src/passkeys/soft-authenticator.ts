import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from "node:crypto";

/**
 * A software WebAuthn authenticator for HTTP tests: ES256 keys from node:crypto, "none"
 * attestation, authenticatorData with rpIdHash, flags and sign counter, clientDataJSON with
 * the challenge and an origin. It builds what a browser would send, so the server side can be
 * tested without a browser; the Chromium test uses the browser's own virtual authenticator.
 */

interface Credential {
  id: Buffer;
  privateKey: KeyObject;
  cose: Buffer;
  userHandle: string;
  counter: number;
}

/** JSON options as the server sends them (only the fields used here). */
interface CreationOptions {
  challenge: string;
  rp: { id?: string };
  user: { id: string };
}
interface RequestOptions {
  challenge: string;
  rpId?: string;
}

/** Overrides that make a response a given attack. */
export interface Forgery {
  /** The origin written into clientDataJSON (a phishing site's). */
  origin?: string;
  /** The RP ID whose hash goes into authenticatorData. */
  rpId?: string;
  /** The sign counter to report instead of the next one. */
  counter?: number;
  /** The challenge to sign instead of the options' one. */
  challenge?: string;
  /** Leave the user-verified flag off. */
  noUserVerification?: boolean;
}

/** Registration-only: present the credential at this index again instead of making a new one. */
export interface RegistrationForgery extends Forgery {
  reuse?: number;
}

const sha256 = (data: Buffer | string): Buffer => createHash("sha256").update(data).digest();

/** A CBOR head: major type and length. */
function head(major: number, length: number): Buffer {
  if (length < 24) return Buffer.from([(major << 5) | length]);
  if (length < 256) return Buffer.from([(major << 5) | 24, length]);
  return Buffer.from([(major << 5) | 25, length >> 8, length & 0xff]);
}
const cborBytes = (b: Buffer): Buffer => Buffer.concat([head(2, b.length), b]);
const cborText = (s: string): Buffer => Buffer.concat([head(3, Buffer.byteLength(s)), Buffer.from(s)]);

/** The COSE_Key of an EC2 P-256 public key (kty 2, alg -7 ES256, crv 1). */
function coseKey(publicKey: KeyObject): Buffer {
  const jwk = publicKey.export({ format: "jwk" });
  const x = Buffer.from(String(jwk.x), "base64url");
  const y = Buffer.from(String(jwk.y), "base64url");
  return Buffer.concat([
    Buffer.from([0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21]),
    cborBytes(x),
    Buffer.from([0x22]),
    cborBytes(y),
  ]);
}

function counterBytes(counter: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(counter);
  return b;
}

/** The authenticator; `options.counter: "zero"` makes one that keeps no counter (like most synced passkeys). */
export function createSoftAuthenticator(defaults: { origin: string; rpId: string; counter?: "increment" | "zero" }) {
  const credentials: Credential[] = [];

  function clientData(type: string, challenge: string, origin: string): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
  }

  function flags(forgery: Forgery, attested: boolean): number {
    // UP (user present), UV (user verified), BE+BS (backup eligible and backed up), AT (attested credential data).
    return 0x01 | (forgery.noUserVerification === true ? 0 : 0x04) | 0x08 | 0x10 | (attested ? 0x40 : 0);
  }

  return {
    /** Answers registration options: a new credential, as `navigator.credentials.create()` would. */
    register(options: CreationOptions, forgery: RegistrationForgery = {}) {
      let credential = forgery.reuse === undefined ? undefined : credentials[forgery.reuse];
      if (credential === undefined) {
        const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
        credential = {
          id: randomBytes(16),
          privateKey,
          cose: coseKey(publicKey),
          userHandle: options.user.id,
          counter: 0,
        };
        credentials.push(credential);
      }
      const rpId = forgery.rpId ?? options.rp.id ?? defaults.rpId;
      const authData = Buffer.concat([
        sha256(rpId),
        Buffer.from([flags(forgery, true)]),
        counterBytes(forgery.counter ?? 0),
        Buffer.alloc(16),
        Buffer.from([credential.id.length >> 8, credential.id.length & 0xff]),
        credential.id,
        credential.cose,
      ]);
      const attestationObject = Buffer.concat([
        Buffer.from([0xa3]),
        cborText("fmt"),
        cborText("none"),
        cborText("attStmt"),
        Buffer.from([0xa0]),
        cborText("authData"),
        cborBytes(authData),
      ]);
      const id = credential.id.toString("base64url");
      return {
        id,
        rawId: id,
        type: "public-key" as const,
        clientExtensionResults: {},
        authenticatorAttachment: "platform" as const,
        response: {
          clientDataJSON: clientData(
            "webauthn.create",
            forgery.challenge ?? options.challenge,
            forgery.origin ?? defaults.origin,
          ).toString("base64url"),
          attestationObject: attestationObject.toString("base64url"),
          transports: ["internal"],
        },
      };
    },

    /** Answers request options with a credential (the newest by default), as `navigator.credentials.get()` would. */
    assert(options: RequestOptions, forgery: Forgery = {}, which = credentials.length - 1) {
      const credential = credentials[which];
      if (credential === undefined) throw new Error("the soft authenticator holds no credential yet");
      if (forgery.counter === undefined && defaults.counter !== "zero") credential.counter += 1;
      const counter = forgery.counter ?? (defaults.counter === "zero" ? 0 : credential.counter);
      const authData = Buffer.concat([
        sha256(forgery.rpId ?? options.rpId ?? defaults.rpId),
        Buffer.from([flags(forgery, false)]),
        counterBytes(counter),
      ]);
      const data = clientData(
        "webauthn.get",
        forgery.challenge ?? options.challenge,
        forgery.origin ?? defaults.origin,
      );
      const signature = sign("sha256", Buffer.concat([authData, sha256(data)]), credential.privateKey);
      const id = credential.id.toString("base64url");
      return {
        id,
        rawId: id,
        type: "public-key" as const,
        clientExtensionResults: {},
        authenticatorAttachment: "platform" as const,
        response: {
          clientDataJSON: data.toString("base64url"),
          authenticatorData: authData.toString("base64url"),
          signature: signature.toString("base64url"),
          userHandle: credential.userHandle,
        },
      };
    },
  };
}

/** A software authenticator. */
export type SoftAuthenticator = ReturnType<typeof createSoftAuthenticator>;
