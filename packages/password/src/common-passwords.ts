import { createRequire } from "node:module";

// The list is zxcvbn-ts's "passwords-common" dictionary (@zxcvbn-ts/language-common): about
// 49,000 passwords from breach corpora, ordered by frequency, all lower case. ASVS 6.2.4
// asks for at least the top 3,000. The package decompresses the list as soon as it is
// imported (~25 ms, a few MB), so it is required on first use rather than at import time:
// processes that never register or change a password never pay for it.

let commonPasswords: ReadonlySet<string> | undefined;

/**
 * True if `password` is on the common-password list. Case-insensitive, and surrounding
 * spaces are ignored for this check only ("Password123 " is as guessable as "password123").
 */
export function isCommonPassword(password: string): boolean {
  commonPasswords ??= loadCommonPasswords();
  return commonPasswords.has(password.trim().toLowerCase());
}

function loadCommonPasswords(): ReadonlySet<string> {
  const require = createRequire(import.meta.url);
  const loaded: unknown = require("@zxcvbn-ts/language-common");
  const list = readDictionary(loaded);
  if (list === null) throw new Error("@zxcvbn-ts/language-common has no 'passwords-common' list of strings.");
  return new Set(list.map((word) => word.toLowerCase()));
}

/** Reads `dictionary["passwords-common"]` from the module without trusting its shape. */
function readDictionary(loaded: unknown): string[] | null {
  if (typeof loaded !== "object" || loaded === null || !("dictionary" in loaded)) return null;
  const dictionary: unknown = loaded.dictionary;
  if (typeof dictionary !== "object" || dictionary === null || !("passwords-common" in dictionary)) return null;
  const list: unknown = dictionary["passwords-common"];
  if (!Array.isArray(list)) return null;
  const words: string[] = [];
  for (const word of list) {
    if (typeof word !== "string") return null;
    words.push(word);
  }
  return words;
}
