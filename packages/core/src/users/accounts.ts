import { validatePassword } from "@latchkey/password";
import type { ResolvedConfig, ResolvedWorld } from "../config/resolved-config.js";
import { UsernameTakenError } from "../errors.js";
import type { User, UserPatch, UserRecord } from "../ports/user-store.js";
import type { SessionManager } from "../sessions/session-manager.js";
import { storeCall } from "../store-call.js";
import { normalizeUsername, usernameKey, usernameProblem } from "./username.js";

/** What {@link Accounts.createUser} takes. Only `username` is required. */
export interface CreateUserInput {
  username: string;
  /** Plain password, hashed before it is stored. Omit for a user who cannot log in by password. */
  password?: string;
  email?: string;
  firstName?: string;
  lastName?: string;
  /** @default true */
  isActive?: boolean;
  /** @default false */
  isStaff?: boolean;
  /** @default false */
  isSuperuser?: boolean;
  groups?: string[];
  permissions?: string[];
  /** Skip the password rules (length, common passwords). @default false */
  skipPasswordValidation?: boolean;
  /**
   * An already-hashed password (`$argon2id$…`, `scrypt$…`, Django's `pbkdf2_sha256$…`), stored
   * as it is: for imports and for sign-up, which hashes before answering. Ignored when
   * `password` is given.
   */
  passwordHash?: string;
  /** When the user joined (ms since the epoch), for imports. @default now */
  dateJoined?: number;
  /**
   * Record the address as verified (for users an operator creates or imports, whose address
   * is known to be theirs). Needs an AccountStore. @default false
   */
  emailVerified?: boolean;
}

/** An expected refusal, returned as a value. */
export type AccountResult<T> = { ok: true; value: T } | { ok: false; problems: string[] };

/** The outcome of checking a username and password. */
export type Authentication = { ok: true; user: UserRecord } | { ok: false };

/** Managing users: creation, password checks and changes, activation. Used by the routes, the CLI and apps. */
export interface Accounts {
  createUser(input: CreateUserInput): Promise<AccountResult<User>>;
  findUser(username: string): Promise<User | null>;
  getUser(id: string): Promise<User | null>;
  listUsers(options: { limit: number; offset: number }): Promise<User[]>;
  /**
   * Checks credentials. Unknown users, users without a usable password and inactive users
   * all cost one full password verification, and all give the same `{ ok: false }`, so
   * neither the answer nor its timing tells whether a username exists (ASVS 6.3.8).
   * A correct password stored with an outdated algorithm is re-hashed with the current one.
   */
  authenticate(username: string, password: string): Promise<Authentication>;
  /** Problems with a new password for this user, or an empty list. */
  passwordProblems(password: string, user: Pick<User, "username" | "email">): string[];
  /**
   * Sets a new password and ends every session and bearer token of the user except
   * `keepSessionId` (a password change logs the other devices out, ASVS 7.4.3).
   */
  setPassword(
    userId: string,
    password: string,
    options?: { keepSessionId?: string; skipValidation?: boolean },
  ): Promise<AccountResult<User>>;
  /** Activates or deactivates a user; deactivation ends all their sessions at once (ASVS 7.4.2). */
  setActive(userId: string, active: boolean): Promise<User | null>;
  /**
   * Applies other changes (names, email, staff flags, groups, permissions). Raising the
   * user's privileges ends their sessions, so they log in again with a new token.
   */
  updateUser(userId: string, patch: Omit<UserPatch, "passwordHash" | "isActive">): Promise<User | null>;
}

function gainsPrivilege(before: User, after: User): boolean {
  if (!before.isStaff && after.isStaff) return true;
  if (!before.isSuperuser && after.isSuperuser) return true;
  const had = new Set(before.permissions);
  return after.permissions.some((p) => !had.has(p));
}

function publicUser(record: UserRecord): User {
  const { passwordHash: _omit, ...user } = record;
  return user;
}

export function createAccounts(config: ResolvedConfig, world: ResolvedWorld, sessions: SessionManager): Accounts {
  const users = world.stores.users;
  const hasher = world.hasher;

  function passwordProblems(password: string, user: Pick<User, "username" | "email">): string[] {
    const result = validatePassword(password, {
      minLength: config.passwords.minLength,
      maxLength: config.passwords.maxLength,
      commonPasswordCheck: config.passwords.commonPasswordCheck,
      username: user.username,
      email: user.email,
    });
    return result.ok ? [] : result.problems;
  }

  return {
    passwordProblems,

    async createUser(input) {
      const problems: string[] = [];
      const usernameIssue = usernameProblem(input.username);
      if (usernameIssue !== null) problems.push(usernameIssue);
      const username = normalizeUsername(input.username);
      const email = input.email ?? "";
      if (email.length > 254) problems.push("Ensure email has no more than 254 characters.");
      if (input.password !== undefined && input.skipPasswordValidation !== true)
        problems.push(...passwordProblems(input.password, { username, email }));
      if (problems.length > 0) return { ok: false, problems };
      const passwordHash =
        input.password === undefined ? (input.passwordHash ?? null) : await hasher.hash(input.password);
      try {
        const created = await users.createUser({
          username,
          usernameKey: usernameKey(username),
          email,
          firstName: input.firstName ?? "",
          lastName: input.lastName ?? "",
          isActive: input.isActive ?? true,
          isStaff: input.isStaff ?? false,
          isSuperuser: input.isSuperuser ?? false,
          groups: input.groups ?? [],
          permissions: input.permissions ?? [],
          passwordHash,
          dateJoined: input.dateJoined ?? world.clock.now(),
        });
        const accountStore = world.stores.accounts;
        if (input.emailVerified === true && email !== "" && accountStore !== undefined) {
          await storeCall("account", () =>
            accountStore.markEmailVerified(String(created.id), email.trim().toLowerCase()),
          );
        }
        world.logger.info({ event: "user_created", userId: String(created.id), username }, "user created");
        return { ok: true, value: publicUser(created) };
      } catch (error) {
        if (error instanceof UsernameTakenError)
          return { ok: false, problems: ["A user with that username already exists."] };
        throw error;
      }
    },

    async findUser(username) {
      const record = await storeCall("user", () => users.getUserByUsernameKey(usernameKey(username)));
      return record === null ? null : publicUser(record);
    },

    async getUser(id) {
      const record = await storeCall("user", () => users.getUserById(id));
      return record === null ? null : publicUser(record);
    },

    async listUsers(options) {
      const records = await storeCall("user", () => users.listUsers(options));
      return records.map(publicUser);
    },

    async authenticate(username, password) {
      let user = await storeCall("user", () => users.getUserByUsernameKey(usernameKey(username)));
      // Login by address (login.identifiers): only when no username matches, so a username
      // that looks like an address keeps working.
      if (
        user === null &&
        username.includes("@") &&
        config.login.identifiers.includes("email") &&
        users.getUserByEmail !== undefined
      ) {
        const byEmail = users.getUserByEmail.bind(users);
        user = await storeCall("user", () => byEmail(username.trim()));
      }
      if (user === null || user.passwordHash === null) {
        await hasher.verifyDummy(password);
        return { ok: false };
      }
      // The password is checked before isActive (as Django does), so an inactive user costs
      // the same time as an active one and timing does not reveal deactivated accounts.
      const result = await hasher.verify(user.passwordHash, password);
      if (!result.valid || !user.isActive) return { ok: false };
      if (result.needsRehash) {
        const passwordHash = await hasher.hash(password);
        const found = user;
        const updated = await storeCall("user", () => users.updateUser(String(found.id), { passwordHash }));
        world.logger.info(
          { event: "password_rehashed", userId: String(user.id), algorithm: hasher.algorithm },
          "password re-hashed with the current algorithm",
        );
        return { ok: true, user: updated ?? user };
      }
      return { ok: true, user };
    },

    async setPassword(userId, password, options = {}) {
      const user = await storeCall("user", () => users.getUserById(userId));
      if (user === null) return { ok: false, problems: ["No such user."] };
      const problems = options.skipValidation === true ? [] : passwordProblems(password, user);
      if (problems.length > 0) return { ok: false, problems };
      const passwordHash = await hasher.hash(password);
      const updated = await storeCall("user", () => users.updateUser(userId, { passwordHash }));
      if (updated === null) return { ok: false, problems: ["No such user."] };
      const ended = await sessions.invalidateUserSessions(
        userId,
        options.keepSessionId === undefined ? {} : { exceptId: options.keepSessionId },
      );
      world.logger.info(
        { event: "password_changed", userId, sessionsEnded: ended },
        "password changed; other sessions ended",
      );
      return { ok: true, value: publicUser(updated) };
    },

    async setActive(userId, active) {
      const updated = await storeCall("user", () => users.updateUser(userId, { isActive: active }));
      if (updated === null) return null;
      if (!active) {
        const ended = await sessions.invalidateUserSessions(userId);
        world.logger.info(
          { event: "user_deactivated", userId, sessionsEnded: ended },
          "user deactivated; all sessions ended",
        );
      } else {
        await sessions.userChanged(userId);
        world.logger.info({ event: "user_activated", userId }, "user activated");
      }
      return publicUser(updated);
    },

    async updateUser(userId, patch) {
      const before = await storeCall("user", () => users.getUserById(userId));
      if (before === null) return null;
      const updated = await storeCall("user", () => users.updateUser(userId, patch));
      if (updated === null) return null;
      // A privilege gain ends the user's sessions, so every session that carries the new
      // privileges was created after the change (ASVS 7.2.4 / OWASP: renew the session id
      // on privilege change): a token fixed or stolen before elevation never becomes staff.
      if (gainsPrivilege(before, updated)) {
        const ended = await sessions.invalidateUserSessions(userId);
        world.logger.info(
          { event: "privileges_raised", userId, sessionsEnded: ended },
          "privileges raised; sessions ended so new ones are issued",
        );
      } else {
        // A lowered privilege or a new name must not linger in another process's session cache.
        await sessions.userChanged(userId);
      }
      return publicUser(updated);
    },
  };
}
