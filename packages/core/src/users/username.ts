/** Longest username, in characters, before and after normalisation (Django's `max_length`). */
export const MAX_USERNAME_LENGTH = 150;

/** Letters, marks, digits and `_.@+-`, as Django's `UnicodeUsernameValidator` allows. */
const USERNAME_PATTERN = /^[\p{L}\p{M}\p{N}_.@+-]+$/u;

/**
 * NFKC-normalises a username, as Django does, so that look-alike compatibility forms
 * (full-width letters, ligatures) of one name are the same name.
 */
export function normalizeUsername(username: string): string {
  return username.normalize("NFKC");
}

/**
 * The key that must be unique among users: NFKC, lower-cased, NFKC again. "Alice", "ALICE"
 * and "Ａｌｉｃｅ" are one account, so nobody can register a look-alike of an existing name.
 */
export function usernameKey(username: string): string {
  return normalizeUsername(username).toLowerCase().normalize("NFKC");
}

/** Why a new username is refused, or null if it is acceptable. */
export function usernameProblem(username: string): string | null {
  if (username.length === 0) return "The username must not be empty.";
  if (username.length > MAX_USERNAME_LENGTH)
    return `Ensure username has no more than ${MAX_USERNAME_LENGTH} characters.`;
  if (!username.isWellFormed()) return "The username contains invalid Unicode.";
  const normalized = normalizeUsername(username);
  if (normalized.length > MAX_USERNAME_LENGTH)
    return `Ensure username has no more than ${MAX_USERNAME_LENGTH} characters.`;
  if (!USERNAME_PATTERN.test(normalized))
    return "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.";
  return null;
}
