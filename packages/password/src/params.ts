/** Argon2id cost parameters. */
export interface Argon2Params {
  /** Memory per hash, in KiB (argon2 `m`). */
  readonly memoryKiB: number;
  /** Passes over the memory (argon2 `t`, "time cost"). */
  readonly iterations: number;
  /** Lanes (argon2 `p`). */
  readonly parallelism: number;
}

/** scrypt cost parameters. Memory per hash is 128 × `cost` × `blockSize` bytes. */
export interface ScryptParams {
  /** CPU/memory cost `N`, a power of two. */
  readonly cost: number;
  /** Block size `r`. */
  readonly blockSize: number;
  /** Parallelisation `p` (runs one after another in Node, so it multiplies time). */
  readonly parallelism: number;
}

/**
 * OWASP Password Storage Cheat Sheet minimum for argon2id, also ASVS 5.0 Appendix C:
 * m = 19 MiB (19456 KiB), t = 2, p = 1.
 */
export const DEFAULT_ARGON2_PARAMS: Readonly<Argon2Params> = Object.freeze({
  memoryKiB: 19_456,
  iterations: 2,
  parallelism: 1,
});

/**
 * OWASP Password Storage Cheat Sheet minimum for scrypt, also ASVS 5.0 Appendix C:
 * N = 2^17 (128 MiB with r = 8), r = 8, p = 1.
 */
export const DEFAULT_SCRYPT_PARAMS: Readonly<ScryptParams> = Object.freeze({
  cost: 2 ** 17,
  blockSize: 8,
  parallelism: 1,
});

/**
 * Upper bounds on what a stored hash may ask of us. A hash read from the database may have
 * been planted (SQL injection, a hostile import, a compromised replica); without bounds one
 * row saying "m=4 GiB" or "10^9 PBKDF2 rounds" turns every login for that name into a
 * denial of service. Hashes we write are checked against the same bounds when the hasher
 * is built, so we never write a hash we would refuse to read.
 */
export const VERIFY_LIMITS = Object.freeze({
  /** Largest argon2 memory, in KiB (1 GiB). */
  argon2MaxMemoryKiB: 1_048_576,
  /** Largest argon2 memory × passes, in KiB (2 GiB of memory traffic, e.g. 1 GiB × t=2). */
  argon2MaxWorkKiB: 2_097_152,
  /** Largest argon2 lane count. */
  argon2MaxParallelism: 64,
  /** Largest scrypt memory 128·N·r, in bytes (1 GiB). */
  scryptMaxMemoryBytes: 1_073_741_824,
  /** Largest scrypt work 128·N·r·p, in bytes (2 GiB of memory traffic). */
  scryptMaxWorkBytes: 2_147_483_648,
  /** Largest scrypt `r`. */
  scryptMaxBlockSize: 64,
  /** Largest scrypt `p`. */
  scryptMaxParallelism: 16,
  /** Largest PBKDF2 iteration count (recent Django versions write about a million). */
  pbkdf2MaxIterations: 10_000_000,
  /** Longest salt, in bytes (argon2) or characters (Django text salts). */
  maxSaltLength: 256,
  /** Longest derived hash, in bytes. */
  maxHashBytes: 128,
});

/** Problems with argon2 parameters (empty when they are usable and within `VERIFY_LIMITS`). */
export function argon2ParamProblems(p: Argon2Params, label: string): string[] {
  const problems: string[] = [];
  const lanesOk = isIntIn(p.parallelism, 1, VERIFY_LIMITS.argon2MaxParallelism);
  if (!lanesOk)
    problems.push(`${label}.parallelism must be an integer from 1 to ${VERIFY_LIMITS.argon2MaxParallelism}.`);
  // libargon2 needs at least 8 KiB per lane.
  const minMemory = lanesOk ? 8 * p.parallelism : 8;
  if (!isIntIn(p.memoryKiB, minMemory, VERIFY_LIMITS.argon2MaxMemoryKiB)) {
    problems.push(
      `${label}.memoryKiB must be an integer from ${minMemory} to ${VERIFY_LIMITS.argon2MaxMemoryKiB} (KiB).`,
    );
  }
  if (!isIntIn(p.iterations, 1, 2 ** 32 - 1)) problems.push(`${label}.iterations must be a positive integer.`);
  if (problems.length === 0 && p.memoryKiB * p.iterations > VERIFY_LIMITS.argon2MaxWorkKiB) {
    problems.push(`${label}.memoryKiB × ${label}.iterations must not exceed ${VERIFY_LIMITS.argon2MaxWorkKiB} KiB.`);
  }
  return problems;
}

/** Problems with scrypt parameters (empty when they are usable and within `VERIFY_LIMITS`). */
export function scryptParamProblems(p: ScryptParams, label: string): string[] {
  const problems: string[] = [];
  if (!isIntIn(p.blockSize, 1, VERIFY_LIMITS.scryptMaxBlockSize)) {
    problems.push(`${label}.blockSize must be an integer from 1 to ${VERIFY_LIMITS.scryptMaxBlockSize}.`);
  }
  if (!isIntIn(p.parallelism, 1, VERIFY_LIMITS.scryptMaxParallelism)) {
    problems.push(`${label}.parallelism must be an integer from 1 to ${VERIFY_LIMITS.scryptMaxParallelism}.`);
  }
  if (!isIntIn(p.cost, 2, 2 ** 40) || !isPowerOfTwo(p.cost)) {
    problems.push(`${label}.cost must be a power of two of at least 2.`);
  }
  if (problems.length > 0) return problems;
  // RFC 7914 §2: N must be less than 2^(128·r/8).
  if (Math.log2(p.cost) >= 16 * p.blockSize) problems.push(`${label}.cost must be less than 2^(16 × blockSize).`);
  const memory = 128 * p.cost * p.blockSize;
  if (memory > VERIFY_LIMITS.scryptMaxMemoryBytes) {
    problems.push(
      `128 × ${label}.cost × ${label}.blockSize must not exceed ${VERIFY_LIMITS.scryptMaxMemoryBytes} bytes.`,
    );
  } else if (memory * p.parallelism > VERIFY_LIMITS.scryptMaxWorkBytes) {
    problems.push(`128 × cost × blockSize × parallelism must not exceed ${VERIFY_LIMITS.scryptMaxWorkBytes} bytes.`);
  }
  return problems;
}

function isIntIn(value: unknown, min: number, max: number): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max;
}

function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(Math.log2(n));
}
