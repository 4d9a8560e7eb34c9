import {
  importedSessionRecord,
  isBatchUserStore,
  isDjangoSessionKey,
  normalizeUsername,
  usernameKey,
  usernameProblem,
  wasImportedSessionRedeemed,
  type GroupAdminUserStore,
  type ImportedUser,
  type Stores,
  type UserStore,
} from "@latchkey/core";
import { authHashMatches, decodeSessionData } from "./django-session-data.js";
import type { DjangoSource, DjangoUser } from "./django-source.js";

/** Options of {@link importDjango}. */
export interface ImportOptions {
  /** Read and check everything, write nothing. */
  dryRun: boolean;
  /** Also import live logged-in sessions; needs `secrets`. */
  sessions: boolean;
  /** Django's SECRET_KEY first, then its SECRET_KEY_FALLBACKS. */
  secrets: readonly string[];
  /** Rows read and written per batch. */
  batchSize: number;
  now: number;
  /** Called after each batch with the rows done so far. */
  progress(phase: "users" | "sessions", done: number): void;
}

/** A row left out, and why. */
export interface Skipped {
  what: string;
  reason: string;
}

/** What an import did (or, in a dry run, would do). */
export interface ImportReport {
  groups: number;
  users: { created: number; unchanged: number; withoutPassword: number; skipped: Skipped[] };
  sessions: { imported: number; unchanged: number; skipped: Skipped[] } | null;
}

/** Password hash formats latchkey verifies; others are imported as "no usable password". */
const KNOWN_HASHES = ["pbkdf2_sha256$", "argon2$", "bcrypt_sha256$", "bcrypt$", "scrypt$"];

/** A Django user as imported: where it went, and what the session check needs. */
interface Imported {
  latchkeyId: string | null;
  password: string;
  isActive: boolean;
}

function isGroupAdmin(users: UserStore): users is GroupAdminUserStore {
  return typeof (users as Partial<GroupAdminUserStore>).setGroupPermissions === "function";
}

/** The hash to store: Django's as it is, or null (unusable `!…`, empty, or a format latchkey cannot verify). */
function passwordHashOf(user: DjangoUser): { hash: string | null; problem: string | null } {
  if (user.password === "" || user.password.startsWith("!")) return { hash: null, problem: null };
  if (KNOWN_HASHES.some((prefix) => user.password.startsWith(prefix))) return { hash: user.password, problem: null };
  const algorithm = user.password.split("$")[0] ?? "";
  return {
    hash: null,
    problem: `password hash "${algorithm.slice(0, 40)}" is not one latchkey verifies: imported without a usable password (reset it)`,
  };
}

/**
 * Copies users, groups and permissions (and, with `sessions`, live logged-in sessions)
 * from a Django database into latchkey's stores. Idempotent: a user whose username
 * (case-insensitively) already exists is left as it is, and an imported session is not
 * written twice, so an interrupted run is resumed by running it again. The users of one
 * batch are written in one transaction on the SQL stores (all of the batch or none of it),
 * and `progress` counts a batch only once it is written. Sessions are written one by one,
 * each idempotent.
 */
export async function importDjango(
  source: DjangoSource,
  stores: Stores,
  options: ImportOptions,
): Promise<ImportReport> {
  const report: ImportReport = {
    groups: 0,
    users: { created: 0, unchanged: 0, withoutPassword: 0, skipped: [] },
    sessions: null,
  };
  const groups = await source.groups();
  report.groups = groups.size;
  if (!options.dryRun && groups.size > 0) {
    if (!isGroupAdmin(stores.users))
      throw new Error("the configured user store keeps no groups, so Django's groups cannot be imported.");
    for (const [name, permissions] of groups) await stores.users.setGroupPermissions(name, permissions);
  }

  const imported = new Map<string, Imported>();
  const seenKeys = new Map<string, string>();
  let afterId: string | null = null;
  let done = 0;
  for (;;) {
    const batch = await source.users(afterId, options.batchSize);
    if (batch.length === 0) break;
    const ids = batch.map((u) => u.id);
    const [memberships, permissions] = await Promise.all([source.groupsOf(ids), source.permissionsOf(ids)]);
    const toCreate: { django: DjangoUser; user: ImportedUser }[] = [];
    for (const user of batch) {
      const decision = await decide(user, memberships.get(user.id) ?? [], permissions.get(user.id) ?? []);
      if (decision.kind === "new") toCreate.push({ django: user, user: decision.user });
      imported.set(user.id, {
        latchkeyId: decision.kind === "existing" ? decision.id : null,
        password: user.password,
        isActive: user.isActive,
      });
    }
    if (toCreate.length > 0) {
      let created: string[];
      try {
        created = await createAll(toCreate.map((c) => c.user));
      } catch (error) {
        const first = batch[0]?.id ?? "?";
        const last = batch[batch.length - 1]?.id ?? "?";
        throw new Error(
          `writing the batch of Django users ${first} to ${last} failed (${error instanceof Error ? error.message : String(error)})`,
          { cause: error },
        );
      }
      toCreate.forEach((c, i) => {
        const entry = imported.get(c.django.id);
        if (entry !== undefined) entry.latchkeyId = created[i] ?? null;
      });
    }
    afterId = batch[batch.length - 1]?.id ?? afterId;
    done += batch.length;
    // Called only once the batch is written: the count never includes rows a failure undid.
    options.progress("users", done);
  }

  /**
   * Writes one batch's new users: in one transaction when the store offers it (the SQL
   * stores), so a failure part-way leaves nothing of the batch; else user by user (each
   * still whole), where a re-run resumes all the same.
   */
  async function createAll(users: readonly ImportedUser[]): Promise<string[]> {
    if (options.dryRun) return users.map((u) => `dry-run:${u.usernameKey}`);
    const store = stores.users;
    if (isBatchUserStore(store)) return (await store.createUsersAtomically(users)).map((u) => String(u.id));
    const ids: string[] = [];
    for (const user of users) {
      const created = await store.createUser(user);
      if (user.lastLogin !== null) await store.updateUser(String(created.id), { lastLogin: user.lastLogin });
      ids.push(String(created.id));
    }
    return ids;
  }

  type Decision = { kind: "skip" } | { kind: "existing"; id: string } | { kind: "new"; user: ImportedUser };

  async function decide(user: DjangoUser, userGroups: string[], userPermissions: string[]): Promise<Decision> {
    const skip = (reason: string): Decision => {
      report.users.skipped.push({ what: `user "${user.username}" (Django id ${user.id})`, reason });
      return { kind: "skip" };
    };
    const problem = usernameProblem(user.username);
    if (problem !== null) return skip(problem);
    if (user.email.length > 254) return skip("its email is over 254 characters");
    const username = normalizeUsername(user.username);
    const key = usernameKey(username);
    const twin = seenKeys.get(key);
    if (twin !== undefined)
      return skip(
        `its username differs only in case from "${twin}", and latchkey usernames are case-insensitively unique`,
      );
    seenKeys.set(key, user.username);
    const existing = await stores.users.getUserByUsernameKey(key);
    if (existing !== null) {
      report.users.unchanged += 1;
      return { kind: "existing", id: String(existing.id) };
    }
    const { hash, problem: hashProblem } = passwordHashOf(user);
    if (hash === null) report.users.withoutPassword += 1;
    if (hashProblem !== null)
      report.users.skipped.push({ what: `password of "${user.username}"`, reason: hashProblem });
    report.users.created += 1;
    return {
      kind: "new",
      user: {
        username,
        usernameKey: key,
        email: user.email,
        firstName: user.firstName,
        lastName: user.lastName,
        isActive: user.isActive,
        isStaff: user.isStaff,
        isSuperuser: user.isSuperuser,
        groups: userGroups,
        permissions: userPermissions,
        passwordHash: hash,
        dateJoined: user.dateJoined,
        lastLogin: user.lastLogin,
      },
    };
  }

  if (options.sessions) report.sessions = await importSessions(source, stores, options, imported);
  return report;
}

async function importSessions(
  source: DjangoSource,
  stores: Stores,
  options: ImportOptions,
  imported: Map<string, Imported>,
): Promise<NonNullable<ImportReport["sessions"]>> {
  const result = { imported: 0, unchanged: 0, skipped: [] as Skipped[] };
  let afterKey: string | null = null;
  let done = 0;
  for (;;) {
    const batch = await source.sessions(afterKey, options.batchSize);
    if (batch.length === 0) break;
    for (const row of batch) {
      const skip = (reason: string): void =>
        void result.skipped.push({ what: `session ${row.key.slice(0, 6)}…`, reason });
      // Expired and anonymous rows are not worth a line each: Django keeps them until clearsessions.
      if (row.expiresAt <= options.now) continue;
      if (!isDjangoSessionKey(row.key)) {
        skip("its key is not 32 lower-case letters and digits, the shape Django generates");
        continue;
      }
      const decoded = decodeSessionData(row.data, options.secrets);
      if (!decoded.ok) {
        skip(decoded.reason);
        continue;
      }
      if (decoded.auth === null) continue;
      const user = imported.get(decoded.auth.userId);
      if (user === undefined || user.latchkeyId === null) {
        skip(`its user (Django id ${decoded.auth.userId}) was not imported`);
        continue;
      }
      if (!user.isActive) {
        skip("its user is inactive, so Django would not accept it");
        continue;
      }
      // Django ends a session whose auth hash no longer matches the password (changed since).
      if (!authHashMatches(decoded.auth.authHash, user.password, options.secrets)) {
        skip("its user's password changed since it began, so Django would not accept it");
        continue;
      }
      const record = importedSessionRecord(row.key, user.latchkeyId, row.expiresAt, options.now);
      if (options.dryRun) {
        result.imported += 1;
        continue;
      }
      if ((await stores.sessions.getSession(record.id)) !== null) {
        result.unchanged += 1;
        continue;
      }
      if (await wasImportedSessionRedeemed(stores.throttle, row.key)) {
        skip("it was already exchanged for a latchkey session");
        continue;
      }
      await stores.sessions.createSession(record);
      result.imported += 1;
    }
    afterKey = batch[batch.length - 1]?.key ?? afterKey;
    done += batch.length;
    options.progress("sessions", done);
  }
  return result;
}
