/**
 * The SQL of migration 6: each user's group names and effective permissions kept, exactly, in
 * two `text[]` columns of `latchkey_users`, so the hot read (a session with its user, once per
 * authenticated request when the session cache is off) reads them from the row instead of
 * computing two subqueries per row (about 30 µs of PostgreSQL CPU per row, measured: about
 * 3 µs per row without them).
 *
 * Why triggers rather than code in every write: the arrays must never lag the normalised tables
 * (with the cache off there is no invalidation, so a stale array would serve a removed
 * permission until the next write). Triggers on the four tables recompute them in the same
 * statement as any change, whoever makes it: this package's writes, a cascade (a deleted
 * group), `latchkey` CLI imports, or an operator's SQL; no code path can forget one. They are
 * statement-level with transition tables, so a write of many rows recomputes each affected
 * user once.
 *
 * Concurrency (the stale-array race this stops): T1 replaces group G's permissions and
 * recomputes G's members, while T2 adds user U to G and recomputes U. Under READ COMMITTED
 * neither sees the other's uncommitted rows: T1 does not count U as a member, T2 computes U
 * from G's old permissions, and after both commit U's array holds G's old permissions.
 * Every recomputation therefore first takes one transaction-level advisory lock (privilege
 * writes are rare: administration, imports) and only then reads, each statement with a fresh
 * snapshot: the later of two writers waits until the earlier commits and then sees all of its
 * rows, so the last recomputation of every user reads every committed change. The lock is
 * held to the end of the transaction. The package's own writes take the same lock before
 * their first change (lockPrivileges), so they queue on it before holding any row lock and
 * cannot deadlock on one another.
 *
 * The functions keep the migration's `search_path` (SET search_path FROM CURRENT), so a write
 * from a connection with another path (an operator's psql) still updates this schema's users.
 * Released with migration 6: never edit this SQL; a change is a new migration.
 */
export const PRIVILEGE_LOCK_KEY = "7812387939583358579";

/** The group names of user `$1`: sorted byte-wise, as the reads always returned them. */
const GROUP_NAMES_OF = (user: string): string => `ARRAY(SELECT g.name FROM latchkey_user_groups ug
        JOIN latchkey_groups g ON g.id = ug.group_id WHERE ug.user_id = ${user} ORDER BY g.name COLLATE "C")`;

/** Direct permissions plus those of the user's groups, duplicate-free, sorted byte-wise. */
const EFFECTIVE_PERMISSIONS_OF = (user: string): string => `ARRAY(SELECT p.permission FROM (
          SELECT permission FROM latchkey_user_permissions WHERE user_id = ${user}
          UNION
          SELECT gp.permission FROM latchkey_user_groups ug
            JOIN latchkey_group_permissions gp ON gp.group_id = ug.group_id
          WHERE ug.user_id = ${user}) p
        ORDER BY p.permission COLLATE "C")`;

/** The UPDATE that recomputes both columns for the rows `where` selects (`u` is latchkey_users). */
const RECOMPUTE = (where: string): string => `UPDATE latchkey_users u
      SET group_names = ${GROUP_NAMES_OF("u.id")}, effective_permissions = ${EFFECTIVE_PERMISSIONS_OF("u.id")}
      WHERE ${where}`;

/** Migration 6: the columns, their backfill, and the triggers that keep them exact. */
export const PRIVILEGE_COLUMNS_SQL = `
  ALTER TABLE latchkey_users
    ADD COLUMN group_names text[] NOT NULL DEFAULT '{}',
    ADD COLUMN effective_permissions text[] NOT NULL DEFAULT '{}';

  -- Backfill: every existing user's arrays from the normalised tables.
  ${RECOMPUTE("true")};

  -- Takes the lock. Under REPEATABLE READ the snapshot is older than the lock, so a writer
  -- that committed meanwhile would be missed: refused. (SERIALIZABLE detects that conflict and
  -- aborts one of the two; READ COMMITTED, the default, reads afresh after the lock.)
  CREATE FUNCTION latchkey_lock_privileges() RETURNS void LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
  BEGIN
    IF current_setting('transaction_isolation') = 'repeatable read' THEN
      RAISE EXCEPTION 'latchkey: change groups and permissions under READ COMMITTED or SERIALIZABLE, not REPEATABLE READ';
    END IF;
    PERFORM pg_advisory_xact_lock(${PRIVILEGE_LOCK_KEY}::bigint);
  END $$;

  -- Recomputes the users of ids (each statement after the lock reads with a fresh snapshot).
  CREATE FUNCTION latchkey_refresh_privileges(ids bigint[]) RETURNS void LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
  BEGIN
    IF ids IS NULL OR cardinality(ids) = 0 THEN RETURN; END IF;
    PERFORM latchkey_lock_privileges();
    ${RECOMPUTE("u.id = ANY(ids)")};
  END $$;

  -- Recomputes the members of the groups of ids; the members are read after the lock, so a
  -- member added by a transaction that committed while this one waited is counted.
  CREATE FUNCTION latchkey_refresh_group_members(ids bigint[]) RETURNS void LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
  BEGIN
    IF ids IS NULL OR cardinality(ids) = 0 THEN RETURN; END IF;
    PERFORM latchkey_lock_privileges();
    ${RECOMPUTE("u.id IN (SELECT ug.user_id FROM latchkey_user_groups ug WHERE ug.group_id = ANY(ids))")};
  END $$;

  -- latchkey_user_groups and latchkey_user_permissions: the users whose rows changed. Users
  -- deleted by this transaction (ON DELETE CASCADE) are left out: nothing to recompute, and
  -- no lock taken while their row is held.
  CREATE FUNCTION latchkey_user_privileges_changed() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
  DECLARE ids bigint[];
  BEGIN
    IF TG_OP = 'INSERT' THEN
      SELECT array_agg(DISTINCT n.user_id) INTO ids FROM new_rows n;
    ELSIF TG_OP = 'DELETE' THEN
      SELECT array_agg(DISTINCT o.user_id) INTO ids FROM old_rows o;
    ELSE
      SELECT array_agg(DISTINCT c.user_id) INTO ids
        FROM (SELECT user_id FROM old_rows UNION SELECT user_id FROM new_rows) c;
    END IF;
    SELECT array_agg(u.id) INTO ids FROM latchkey_users u WHERE u.id = ANY(ids);
    PERFORM latchkey_refresh_privileges(ids);
    RETURN NULL;
  END $$;

  -- latchkey_group_permissions: the members of the groups whose permissions changed.
  CREATE FUNCTION latchkey_group_permissions_changed() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
  DECLARE ids bigint[];
  BEGIN
    IF TG_OP = 'INSERT' THEN
      SELECT array_agg(DISTINCT n.group_id) INTO ids FROM new_rows n;
    ELSIF TG_OP = 'DELETE' THEN
      SELECT array_agg(DISTINCT o.group_id) INTO ids FROM old_rows o;
    ELSE
      SELECT array_agg(DISTINCT c.group_id) INTO ids
        FROM (SELECT group_id FROM old_rows UNION SELECT group_id FROM new_rows) c;
    END IF;
    PERFORM latchkey_refresh_group_members(ids);
    RETURN NULL;
  END $$;

  -- latchkey_groups: a renamed group changes its members' group names. (A new group has no
  -- members; a deleted one cascades to the two tables above.)
  CREATE FUNCTION latchkey_groups_renamed() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
  DECLARE ids bigint[];
  BEGIN
    SELECT array_agg(n.id) INTO ids FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE n.name <> o.name;
    PERFORM latchkey_refresh_group_members(ids);
    RETURN NULL;
  END $$;

  -- TRUNCATE fires no row or statement DELETE trigger: recompute everyone.
  CREATE FUNCTION latchkey_privileges_truncated() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
  BEGIN
    PERFORM latchkey_lock_privileges();
    ${RECOMPUTE("true")};
    RETURN NULL;
  END $$;

  CREATE TRIGGER latchkey_user_groups_inserted AFTER INSERT ON latchkey_user_groups
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION latchkey_user_privileges_changed();
  CREATE TRIGGER latchkey_user_groups_updated AFTER UPDATE ON latchkey_user_groups
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION latchkey_user_privileges_changed();
  CREATE TRIGGER latchkey_user_groups_deleted AFTER DELETE ON latchkey_user_groups
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION latchkey_user_privileges_changed();
  CREATE TRIGGER latchkey_user_groups_truncated AFTER TRUNCATE ON latchkey_user_groups
    FOR EACH STATEMENT EXECUTE FUNCTION latchkey_privileges_truncated();

  CREATE TRIGGER latchkey_user_permissions_inserted AFTER INSERT ON latchkey_user_permissions
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION latchkey_user_privileges_changed();
  CREATE TRIGGER latchkey_user_permissions_updated AFTER UPDATE ON latchkey_user_permissions
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION latchkey_user_privileges_changed();
  CREATE TRIGGER latchkey_user_permissions_deleted AFTER DELETE ON latchkey_user_permissions
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION latchkey_user_privileges_changed();
  CREATE TRIGGER latchkey_user_permissions_truncated AFTER TRUNCATE ON latchkey_user_permissions
    FOR EACH STATEMENT EXECUTE FUNCTION latchkey_privileges_truncated();

  CREATE TRIGGER latchkey_group_permissions_inserted AFTER INSERT ON latchkey_group_permissions
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION latchkey_group_permissions_changed();
  CREATE TRIGGER latchkey_group_permissions_updated AFTER UPDATE ON latchkey_group_permissions
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION latchkey_group_permissions_changed();
  CREATE TRIGGER latchkey_group_permissions_deleted AFTER DELETE ON latchkey_group_permissions
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION latchkey_group_permissions_changed();
  CREATE TRIGGER latchkey_group_permissions_truncated AFTER TRUNCATE ON latchkey_group_permissions
    FOR EACH STATEMENT EXECUTE FUNCTION latchkey_privileges_truncated();

  CREATE TRIGGER latchkey_groups_updated AFTER UPDATE ON latchkey_groups
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION latchkey_groups_renamed();
`;
