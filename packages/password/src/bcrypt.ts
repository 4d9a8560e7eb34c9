import { createHash } from "node:crypto";
import bcrypt from "bcryptjs";

// Django's bcrypt hashers, read only so users moved from Django can log in (and are then
// re-hashed to the current default):
// - `bcrypt_sha256$<bcrypt string>`: BCryptSHA256PasswordHasher.encode hashes the UTF-8
//   password with SHA-256 first and gives bcrypt the 64 lower-case hex digits
//   (`binascii.hexlify(sha256(password).digest())`), so passwords over 72 bytes are not
//   truncated;
// - `bcrypt$<bcrypt string>`: BCryptPasswordHasher gives bcrypt the UTF-8 password itself.
// The bcrypt string is `$2b$<cost>$<22 salt chars><31 hash chars>` (also `$2a$`, `$2y$`).
// bcryptjs is plain JavaScript: its asynchronous compare works in short slices between
// which the event loop runs, and each such hash is verified once before it is replaced.

/** Highest cost we verify: 2^16 rounds. A planted `$2b$31$` hash would take days (a DoS). */
const MAX_COST = 16;

const BCRYPT_STRING = /^\$2[aby]\$(\d{2})\$[./A-Za-z0-9]{53}$/;

/** A Django bcrypt hash taken apart. */
export interface ParsedBcrypt {
  readonly kind: "bcrypt";
  /** True for `bcrypt_sha256$…` (password pre-hashed with SHA-256), false for `bcrypt$…`. */
  readonly sha256: boolean;
  /** The bcrypt string, `$2b$…`. */
  readonly bcrypt: string;
}

/** Takes apart `bcrypt_sha256$$2b$…` or `bcrypt$$2b$…`, or answers `null` when malformed or too costly. */
export function parseBcrypt(encoded: string): ParsedBcrypt | null {
  const dollar = encoded.indexOf("$");
  const algorithm = encoded.slice(0, dollar);
  if (algorithm !== "bcrypt_sha256" && algorithm !== "bcrypt") return null;
  const rest = encoded.slice(dollar + 1);
  const match = BCRYPT_STRING.exec(rest);
  if (match === null) return null;
  const cost = Number(match[1]);
  if (cost < 4 || cost > MAX_COST) return null;
  return { kind: "bcrypt", sha256: algorithm === "bcrypt_sha256", bcrypt: rest };
}

/** Checks the password the way Django's hasher would; bcryptjs compares in constant time. */
export function verifyBcrypt(parsed: ParsedBcrypt, password: Buffer): Promise<boolean> {
  const secret = parsed.sha256 ? createHash("sha256").update(password).digest("hex") : password.toString("utf8");
  return bcrypt.compare(secret, parsed.bcrypt);
}
