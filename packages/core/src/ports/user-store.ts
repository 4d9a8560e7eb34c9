/** A user, as core and the routes see it. */
export interface User {
  /** The store's id for the user: a number for the built-in stores, a string for others. */
  id: number | string;
  /** As entered at creation, NFKC-normalised. */
  username: string;
  email: string;
  firstName: string;
  lastName: string;
  isActive: boolean;
  isStaff: boolean;
  isSuperuser: boolean;
  /** Names of the groups the user belongs to. */
  groups: string[];
  /** Permissions granted to the user directly or through a group, e.g. `"reports.view"`. */
  permissions: string[];
  /** Milliseconds since the epoch. */
  dateJoined: number;
  /** Milliseconds since the epoch, or null before the first login. */
  lastLogin: number | null;
}

/** A user with the password hash, as a store returns it. Never rendered to a client. */
export interface UserRecord extends User {
  /** An encoded hash (`$argon2id$…`, `scrypt$…`, `pbkdf2_sha256$…`), or null if the user cannot log in by password. */
  passwordHash: string | null;
}

/** What {@link UserStore.createUser} needs. */
export interface NewUser {
  username: string;
  /** Case-folded key the store must keep unique (computed by core). */
  usernameKey: string;
  email: string;
  firstName: string;
  lastName: string;
  isActive: boolean;
  isStaff: boolean;
  isSuperuser: boolean;
  groups: string[];
  permissions: string[];
  passwordHash: string | null;
  dateJoined: number;
}

/** Fields {@link UserStore.updateUser} may change. */
export type UserPatch = Partial<
  Pick<
    UserRecord,
    | "email"
    | "firstName"
    | "lastName"
    | "isActive"
    | "isStaff"
    | "isSuperuser"
    | "groups"
    | "permissions"
    | "passwordHash"
    | "lastLogin"
  >
>;

/**
 * Where users live. Bring your own table by implementing these methods; core does the
 * normalisation, hashing and policy.
 */
export interface UserStore {
  getUserById(id: string): Promise<UserRecord | null>;
  /**
   * Optional: the user with this id when the store holds it in memory and knows it is
   * current (what `getUserById` would answer now), else undefined. Synchronous, without I/O,
   * and never throws; see `SessionStore.peekSession`.
   */
  peekUserById?(id: string): UserRecord | undefined;
  /** Looks a user up by the case-folded key core computed from the username. */
  getUserByUsernameKey(usernameKey: string): Promise<UserRecord | null>;
  /** Creates a user; rejects with {@link UsernameTakenError} if the key is taken. */
  createUser(user: NewUser): Promise<UserRecord>;
  /** Applies the patch; resolves to the updated user, or null if there is no such user. */
  updateUser(id: string, patch: UserPatch): Promise<UserRecord | null>;
  /** Users ordered by id. */
  listUsers(options: { limit: number; offset: number }): Promise<UserRecord[]>;
  /**
   * The user whose email is `email`, compared case-insensitively (the lowest id when several
   * share it), or null. Needed by the account routes (reset, sign-up, email login).
   */
  getUserByEmail?(email: string): Promise<UserRecord | null>;
  /** Deletes the user (account deletion); resolves to false if there was none. */
  deleteUser?(id: string): Promise<boolean>;
}

/** A {@link UserStore} that also administers groups (the SQL stores). */
export interface GroupAdminUserStore extends UserStore {
  /**
   * Makes `permissions` exactly what the group `groupName` grants, creating the group if
   * needed. Members see the change on their next read.
   */
  setGroupPermissions(groupName: string, permissions: readonly string[]): Promise<void>;
}

/** A user as an import writes it: a new user, with the last login it had before the move. */
export interface ImportedUser extends NewUser {
  /** Milliseconds since the epoch, or null if the user never logged in. */
  lastLogin: number | null;
}

/**
 * A {@link UserStore} that writes a batch of users in one transaction (the SQL stores). An
 * import uses it when present, so a batch that fails part-way (a disk error, a username
 * taken meanwhile, the process killed) leaves nothing of itself behind and a re-run resumes
 * at that batch.
 */
export interface BatchUserStore extends UserStore {
  /**
   * Creates every user of `users`, in order, with their groups and permissions, in one
   * transaction: all of them, or none when any write fails (a taken username rejects with
   * {@link UsernameTakenError}). Resolves to the created users, in order.
   */
  createUsersAtomically(users: readonly ImportedUser[]): Promise<UserRecord[]>;
}

/** True when `users` writes batches atomically ({@link BatchUserStore}). */
export function isBatchUserStore(users: UserStore): users is BatchUserStore {
  return typeof (users as Partial<BatchUserStore>).createUsersAtomically === "function";
}

/** Most digits a row id's canonical form can have (2^53 − 1 has 16). */
const MAX_ROW_ID_DIGITS = 16;

/**
 * `id` as an integer row id, or null when it cannot name one, for stores whose users have
 * integer keys: an id that is not in canonical form never reaches SQL as text. The canonical
 * form is 1 to 16 ASCII digits without a leading zero (`[1-9][0-9]{0,15}`); anything else
 * ("01", "1.0", " 1", "+1", "1e3") names no user. Checked with a loop over character codes,
 * not a regular expression: the SQLite user store asks this on every authenticated request.
 */
export function parseRowId(id: string): number | null {
  const length = id.length;
  if (length === 0 || length > MAX_ROW_ID_DIGITS) return null;
  const first = id.charCodeAt(0);
  if (first < 49 /* 1 */ || first > 57 /* 9 */) return null;
  for (let i = 1; i < length; i++) {
    const code = id.charCodeAt(i);
    if (code < 48 /* 0 */ || code > 57 /* 9 */) return null;
  }
  const value = Number(id);
  return Number.isSafeInteger(value) ? value : null;
}

/** A {@link GroupAdminUserStore} with the optional lookups the account routes need (the built-in stores). */
export interface FullUserStore extends GroupAdminUserStore {
  getUserByEmail(email: string): Promise<UserRecord | null>;
  deleteUser(id: string): Promise<boolean>;
}
