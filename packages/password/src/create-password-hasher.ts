import { randomBytes } from "node:crypto";
import { availableParallelism } from "node:os";
import pLimit from "p-limit";
import { hashArgon2id, isCurrentArgon2, parseArgon2, verifyArgon2, type ParsedArgon2 } from "./argon2.js";
import { passwordBytes } from "./encoding.js";
import { createParseCache } from "./parse-cache.js";
import {
  argon2ParamProblems,
  DEFAULT_ARGON2_PARAMS,
  DEFAULT_SCRYPT_PARAMS,
  scryptParamProblems,
  type Argon2Params,
  type ScryptParams,
} from "./params.js";
import { parseBcrypt, verifyBcrypt, type ParsedBcrypt } from "./bcrypt.js";
import { parsePbkdf2, verifyPbkdf2, type ParsedPbkdf2 } from "./pbkdf2.js";
import { hashScrypt, isCurrentScrypt, parseScrypt, verifyScrypt, type ParsedScrypt } from "./scrypt.js";
import type { PasswordHasher, VerifyResult } from "./types.js";

/** Options for `createPasswordHasher()`. Every field is optional. */
export interface PasswordHasherOptions {
  /**
   * Algorithm for new hashes. Hashes of the other algorithms still verify, and report
   * `needsRehash: true`.
   * @default "argon2id"
   */
  algorithm?: "argon2id" | "scrypt";
  /**
   * argon2id costs (used when `algorithm` is `"argon2id"`); missing fields take the default.
   * @default DEFAULT_ARGON2_PARAMS — { memoryKiB: 19456, iterations: 2, parallelism: 1 }
   */
  argon2?: Partial<Argon2Params>;
  /**
   * scrypt costs (used when `algorithm` is `"scrypt"`); missing fields take the default.
   * @default DEFAULT_SCRYPT_PARAMS — { cost: 131072, blockSize: 8, parallelism: 1 }
   */
  scrypt?: Partial<ScryptParams>;
  /**
   * Most hashes and verifications running at once; more wait their turn. Kept below the
   * core count so a login storm never takes every core from the event loop: authenticated
   * requests keep their latency while logins queue (on a saturated machine, logins per second
   * are the same either way — the cores are the limit).
   * @default max(1, os.availableParallelism() - 1)
   */
  maxConcurrent?: number;
}

type Parsed = ParsedArgon2 | ParsedScrypt | ParsedPbkdf2 | ParsedBcrypt;

const INVALID: VerifyResult = Object.freeze({ valid: false, needsRehash: false });

/** Parsed hashes kept per hasher (see `createParseCache`): a few hundred bytes each. */
const PARSED_HASHES_KEPT = 1000;

/**
 * Builds a `PasswordHasher`. New hashes use argon2id (PHC string) or scrypt (Django's
 * `scrypt$…` format); `verify()` also reads Django's `argon2$…`, `pbkdf2_sha256$…`, `bcrypt_sha256$…` and `bcrypt$…`.
 * All work runs on libuv's thread pool, never on the event loop.
 *
 * @throws RangeError listing every problem when an option is out of range, including
 *   costs beyond `VERIFY_LIMITS` (we would refuse to read such hashes back).
 */
export function createPasswordHasher(options: PasswordHasherOptions = {}): PasswordHasher {
  const algorithm = options.algorithm ?? "argon2id";
  const argon2: Argon2Params = Object.freeze({ ...DEFAULT_ARGON2_PARAMS, ...options.argon2 });
  const scrypt: ScryptParams = Object.freeze({ ...DEFAULT_SCRYPT_PARAMS, ...options.scrypt });
  const problems: string[] = [];
  if (algorithm !== "argon2id" && algorithm !== "scrypt") problems.push(`algorithm must be "argon2id" or "scrypt".`);
  // Both sets are checked, even the one not in use, so a typo fails at start-up rather than
  // on the day someone switches algorithm.
  problems.push(...argon2ParamProblems(argon2, "argon2"), ...scryptParamProblems(scrypt, "scrypt"));
  const maxConcurrent = options.maxConcurrent ?? Math.max(1, availableParallelism() - 1);
  if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1)
    problems.push("maxConcurrent must be a whole number of at least 1.");
  if (problems.length > 0) throw new RangeError(`Invalid password hasher options: ${problems.join(" ")}`);
  const slots = pLimit(maxConcurrent);
  // Each login parses its user's stored hash; the parse of a given string never changes.
  const parseStored = createParseCache(parse, PARSED_HASHES_KEPT);

  function hash(password: string): Promise<string> {
    if (typeof password !== "string") return Promise.reject(new TypeError("password must be a string."));
    const bytes = passwordBytes(password);
    return slots(() => (algorithm === "argon2id" ? hashArgon2id(bytes, argon2) : hashScrypt(bytes, scrypt)));
  }

  function isCurrent(parsed: Parsed): boolean {
    if (parsed.kind === "argon2") return algorithm === "argon2id" && isCurrentArgon2(parsed, argon2);
    if (parsed.kind === "scrypt") return algorithm === "scrypt" && isCurrentScrypt(parsed, scrypt);
    return false; // PBKDF2 and bcrypt are only read, never written.
  }

  // The dummy hash is made once, on first need, with the current parameters: building it
  // at start-up would slow every start for a value many processes never use.
  let dummy: Promise<string> | undefined;
  function dummyHash(): Promise<string> {
    dummy ??= hash(randomBytes(16).toString("hex")).catch((error: unknown) => {
      dummy = undefined; // let the next call try again rather than caching a failure
      throw error;
    });
    return dummy;
  }

  async function verifyDummy(password: string): Promise<void> {
    const encoded = await dummyHash();
    const parsed = parseStored(encoded);
    if (parsed !== null) await slots(() => check(parsed, typeof password === "string" ? password : ""));
  }

  async function verify(encoded: string, password: string): Promise<VerifyResult> {
    const parsed = typeof encoded === "string" ? parseStored(encoded) : null;
    if (parsed === null || typeof password !== "string") {
      // An empty, unusable ("!…"), unknown or over-costly hash still spends one real
      // verification, so the response time does not tell an attacker which accounts have
      // no usable password (user enumeration by timing, ASVS 6.3.8).
      await verifyDummy(typeof password === "string" ? password : "").catch(() => undefined);
      return INVALID;
    }
    const valid = await slots(() => check(parsed, password));
    return valid ? { valid: true, needsRehash: !isCurrent(parsed) } : INVALID;
  }

  return Object.freeze({ algorithm, hash, verify, verifyDummy });
}

/** Finds the format by its prefix. A Django unusable password starts with "!" and matches none. */
function parse(encoded: string): Parsed | null {
  if (encoded.startsWith("$argon2") || encoded.startsWith("argon2$")) return parseArgon2(encoded);
  if (encoded.startsWith("scrypt$")) return parseScrypt(encoded);
  if (encoded.startsWith("pbkdf2_sha256$")) return parsePbkdf2(encoded);
  if (encoded.startsWith("bcrypt_sha256$") || encoded.startsWith("bcrypt$")) return parseBcrypt(encoded);
  return null;
}

/** Runs the KDF; a failure inside it (a hash the primitive refuses) counts as a mismatch, never a throw. */
async function check(parsed: Parsed, password: string): Promise<boolean> {
  const bytes = passwordBytes(password);
  try {
    if (parsed.kind === "argon2") return await verifyArgon2(parsed, bytes);
    if (parsed.kind === "scrypt") return await verifyScrypt(parsed, bytes);
    if (parsed.kind === "bcrypt") return await verifyBcrypt(parsed, bytes);
    return await verifyPbkdf2(parsed, bytes);
  } catch {
    return false;
  }
}

/**
 * Whether `encoded` is a hash this package can verify (argon2, scrypt, Django
 * `pbkdf2_sha256`), well-formed: for imports, which store hashes as they are.
 */
export function isSupportedHash(encoded: string): boolean {
  return parse(encoded) !== null;
}
