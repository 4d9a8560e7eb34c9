import { isCommonPassword } from "./common-passwords.js";

/** Rules and context for `validatePassword()`. Every field is optional. */
export interface ValidatePasswordOptions {
  /**
   * Fewest characters (Unicode code points) allowed. ASVS 6.2.1 asks for at least 8 and
   * recommends 15.
   * @default 8
   */
  minLength?: number;
  /**
   * Most characters (Unicode code points) allowed. Bounded because hashing cost grows with
   * input size and an unbounded field is a denial-of-service lever; ASVS 6.2.9 asks that at
   * least 64 be allowed.
   * @default 4096
   */
  maxLength?: number;
  /** The account's username; a password too close to it is refused when it has ≥ 3 characters. */
  username?: string;
  /** The account's email; a password too close to its local part is refused when that has ≥ 3 characters. */
  email?: string;
  /**
   * Refuse passwords on the common-password list (ASVS 6.2.4).
   * @default true
   */
  commonPasswordCheck?: boolean;
}

/** The verdict of `validatePassword()`: `problems` are sentences fit to show the user. */
export type PasswordValidationResult = { ok: true } | { ok: false; problems: string[] };

/** Default of `ValidatePasswordOptions.minLength`, in characters. */
export const DEFAULT_MIN_PASSWORD_LENGTH = 8;
/** Default of `ValidatePasswordOptions.maxLength`, in characters. */
export const DEFAULT_MAX_PASSWORD_LENGTH = 4096;

/** Shortest username or email local part that the similarity rule compares against. */
const MIN_ATTRIBUTE_LENGTH = 3;

/**
 * Checks a new password (at sign-up, change or reset) and reports every problem at once.
 * There are deliberately no composition rules such as "one digit, one capital" (ASVS
 * 6.2.5): they push users to predictable patterns. Login never calls this: existing
 * passwords are verified exactly as stored.
 *
 * @throws RangeError when `minLength` or `maxLength` is not a sensible integer (misuse).
 */
export function validatePassword(password: string, options: ValidatePasswordOptions = {}): PasswordValidationResult {
  const minLength = options.minLength ?? DEFAULT_MIN_PASSWORD_LENGTH;
  const maxLength = options.maxLength ?? DEFAULT_MAX_PASSWORD_LENGTH;
  if (!Number.isInteger(minLength) || minLength < 1) throw new RangeError("minLength must be a positive integer.");
  if (!Number.isInteger(maxLength) || maxLength < minLength) {
    throw new RangeError("maxLength must be an integer no smaller than minLength.");
  }
  if (typeof password !== "string") return { ok: false, problems: ["The password must be text."] };

  const problems: string[] = [];
  // Count code points, as users (and Django's len()) do: an emoji is one character, not two.
  const length = [...password].length;
  if (length < minLength) {
    problems.push(`This password is too short. It must contain at least ${plural(minLength, "character")}.`);
  }
  if (length > maxLength) {
    problems.push(`This password is too long. It must contain at most ${plural(maxLength, "character")}.`);
  }
  // A lone UTF-16 surrogate has no UTF-8 form: it would be stored as U+FFFD, so two
  // different passwords would hash alike, and other systems (Django) refuse to encode it.
  if (/\p{Surrogate}/u.test(password)) problems.push("This password contains an invalid character.");
  // Skip the dictionary for over-long input: nothing that long is on it.
  if (length <= maxLength && (options.commonPasswordCheck ?? true) && isCommonPassword(password)) {
    problems.push("This password is too common.");
  }
  if (isTooSimilar(password, options.username)) problems.push("The password is too similar to the username.");
  if (isTooSimilar(password, emailLocalPart(options.email))) {
    problems.push("The password is too similar to the email address.");
  }
  return problems.length === 0 ? { ok: true } : { ok: false, problems };
}

/** Same as, contained in, or containing the attribute, ignoring case. */
function isTooSimilar(password: string, attribute: string | undefined): boolean {
  if (typeof attribute !== "string" || [...attribute].length < MIN_ATTRIBUTE_LENGTH) return false;
  const pw = password.toLowerCase();
  const attr = attribute.toLowerCase();
  // Refused: the password is part of the attribute, or built on it: what is left once the
  // attribute is taken out is too short to stand on its own ("margaret_h2024!" leaves
  // "2024!"). A long random password that merely happens to contain a short username
  // (username "acc", a 20-character password with "Acc" in it) leaves plenty, and knowing
  // the username saves an attacker nothing.
  if (attr.includes(pw)) return true;
  if (!pw.includes(attr)) return false;
  return [...pw.split(attr).join("")].length < MIN_REMAINDER_LENGTH;
}

/** Characters a password must have besides the username (or local part) it contains. */
const MIN_REMAINDER_LENGTH = 8;

function emailLocalPart(email: string | undefined): string | undefined {
  if (typeof email !== "string") return undefined;
  const at = email.lastIndexOf("@");
  return at === -1 ? email : email.slice(0, at);
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
