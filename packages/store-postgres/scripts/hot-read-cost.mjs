// What one row of the hot read (a session with its user, `latchkey-sessions-with-users`) costs
// PostgreSQL: "before" (group names and effective permissions computed by two ARRAY subqueries
// per row, sessions filtered with `s.id = ANY($1)`), "columns" (the arrays read from the user's
// row, migration 6), "join" (also the ids joined as `unnest($1)`, which the generic plan runs as a
// hash join over a sequential scan of the sessions on a small table), "now" (each id's session
// and then its user read by LATERAL subqueries with LIMIT 1: a probe per id, as the store does;
// with HOT_READ_COLUMNS from src/hot-read.ts), "lateral1" (only the sessions as a LATERAL
// subquery, the users as a plain join: a plan comparing each row with every user) and "json" (an alternative not taken: the session and the user each as one
// JSON text column, fewer columns for Node to read but more work for PostgreSQL per row). Starts a throwaway
// PostgreSQL 15 (@latchkey/testkit), 1,000 sessions of one user among 201 users (as the
// bench's whoami load), then runs each statement with 50 of the ids: EXPLAIN (ANALYZE, BUFFERS)
// of a literal array (a custom plan), then 3,000 executions of the named statement (its generic
// plan, as the store runs it) reading the backend's CPU time from /proc/<pid>/schedstat, and
// pg_stat_statements' mean. Run after `npx tsc -b`:
//   [IDS=50] node packages/store-postgres/scripts/hot-read-cost.mjs [nogroups|groups]
// ("groups": the user is in 2 groups granting 4 permissions, and has 2 of their own).
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { startPostgres } from "@latchkey/testkit";
import pg from "pg";
import { HOT_READ_COLUMNS } from "../dist/hot-read.js";
import { migratePostgres, postgresStores } from "../dist/index.js";

const EXECUTIONS = 3000;
const IDS = Number(process.env["IDS"] ?? 50);
// CPU seconds of a backend (one thread) from /proc/<pid>/schedstat, in ns: finer than /proc/<pid>/stat's 10 ms ticks.
const cpuSecondsOf = (pid) => Number(readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ")[0]) / 1e9;
const withGroups = process.argv[2] === "groups";
// The sessions are shaped as the bench's (an ip and a browser's User-Agent).
const USER_AGENT =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

const ANY = `SELECT s.id AS session_id, s.secret_hash, s.user_id, s.kind, s.created_at, s.last_seen_at,
    s.expires_at, s.absolute_expires_at, s.ip, s.user_agent, s.label, COLUMNS
  FROM latchkey_sessions s
  LEFT JOIN latchkey_users u ON u.id = (CASE WHEN s.user_id ~ '^[1-9][0-9]{0,15}$' THEN s.user_id::bigint END)
  WHERE s.id = ANY($1::text[])`;
const UNNEST = `SELECT SESSION_COLUMNS, COLUMNS
  FROM unnest($1::text[]) AS wanted(id) JOIN latchkey_sessions s ON s.id = wanted.id
  LEFT JOIN latchkey_users u ON u.id = (CASE WHEN s.user_id ~ '^[1-9][0-9]{0,15}$' THEN s.user_id::bigint END)`;
const LATERAL_SESSIONS = `SELECT SESSION_COLUMNS, COLUMNS
  FROM unnest($1::text[]) AS wanted(id)
  CROSS JOIN LATERAL (SELECT x.*, CASE WHEN x.user_id ~ '^[1-9][0-9]{0,15}$' THEN x.user_id::bigint END AS user_key
    FROM latchkey_sessions x WHERE x.id = wanted.id LIMIT 1) s
  LEFT JOIN latchkey_users u ON u.id = s.user_key`;
const LATERAL = `SELECT SESSION_COLUMNS, COLUMNS
  FROM unnest($1::text[]) AS wanted(id)
  CROSS JOIN LATERAL (SELECT x.*, CASE WHEN x.user_id ~ '^[1-9][0-9]{0,15}$' THEN x.user_id::bigint END AS user_key
    FROM latchkey_sessions x WHERE x.id = wanted.id LIMIT 1) s
  LEFT JOIN LATERAL (SELECT y.* FROM latchkey_users y WHERE y.id = s.user_key LIMIT 1) u ON true`;
const PLAIN = `u.id, u.username, u.email, u.first_name, u.last_name, u.is_active, u.is_staff, u.is_superuser,
  u.password_hash, u.date_joined, u.last_login`;
const SUBQUERIES = `${PLAIN},
    ARRAY(SELECT g.name FROM latchkey_user_groups ug JOIN latchkey_groups g ON g.id = ug.group_id
          WHERE ug.user_id = u.id ORDER BY g.name COLLATE "C") AS group_names,
    ARRAY(SELECT p.permission FROM (
            SELECT permission FROM latchkey_user_permissions WHERE user_id = u.id
            UNION
            SELECT gp.permission FROM latchkey_user_groups ug
              JOIN latchkey_group_permissions gp ON gp.group_id = ug.group_id
            WHERE ug.user_id = u.id) p
          ORDER BY p.permission COLLATE "C") AS permission_names`;
const COLUMNS = `${PLAIN}, u.group_names, u.effective_permissions AS permission_names`;
const JSON_COLUMNS = `s.id,
  json_build_array(s.secret_hash, s.user_id, s.kind, s.created_at, s.last_seen_at, s.expires_at,
    s.absolute_expires_at, s.ip, s.user_agent, s.label)::text,
  CASE WHEN u.id IS NOT NULL THEN json_build_array(u.id, u.username, u.email, u.first_name, u.last_name,
    u.is_active, u.is_staff, u.is_superuser, u.password_hash, u.date_joined, u.last_login, u.group_names,
    u.effective_permissions)::text END`;
const VARIANTS = {
  before: ANY.replace("COLUMNS", SUBQUERIES),
  columns: ANY.replace("COLUMNS", COLUMNS),
  join: UNNEST.replace("SESSION_COLUMNS, COLUMNS", HOT_READ_COLUMNS),
  lateral1: LATERAL_SESSIONS.replace("SESSION_COLUMNS, COLUMNS", HOT_READ_COLUMNS),
  now: LATERAL.replace("SESSION_COLUMNS, COLUMNS", HOT_READ_COLUMNS),
  json: UNNEST.replace("SESSION_COLUMNS, COLUMNS", JSON_COLUMNS),
};

const server = await startPostgres({ settings: { shared_preload_libraries: "pg_stat_statements" } });
const pool = new pg.Pool({ connectionString: server.url, max: 1 });
pool.on("error", () => {});
try {
  await migratePostgres(pool);
  const stores = await postgresStores({ pool });
  const create = (name, groups, permissions) =>
    stores.users.createUser({
      username: name,
      usernameKey: name,
      email: "",
      firstName: "",
      lastName: "",
      isActive: true,
      isStaff: false,
      isSuperuser: false,
      passwordHash: null,
      dateJoined: 1,
      groups,
      permissions,
    });
  if (withGroups) {
    await stores.users.setGroupPermissions("editors", ["c.z", "d.w", "a.x"]);
    await stores.users.setGroupPermissions("staff", ["e.v"]);
  }
  const user = await create("bench", withGroups ? ["editors", "staff"] : [], withGroups ? ["a.x", "b.y"] : []);
  const ids = [];
  for (let i = 0; i < 1000; i++) {
    const id = randomUUID();
    if (ids.length < IDS) ids.push(id);
    await stores.sessions.createSession({
      id,
      secretHash: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
      userId: String(user.id),
      kind: "cookie",
      createdAt: 1,
      lastSeenAt: 1,
      expiresAt: 9e12,
      absoluteExpiresAt: 9e12,
      ip: "127.0.0.1",
      userAgent: USER_AGENT,
      label: null,
    });
  }
  for (let i = 0; i < 200; i++) await create(`u${i}`, i % 3 === 0 ? [] : ["staff"], []);
  await pool.query("ANALYZE");
  await pool.query("CREATE EXTENSION pg_stat_statements");
  const client = await pool.connect();
  try {
    const pid = (await client.query("SELECT pg_backend_pid() AS pid")).rows[0].pid;
    for (const [name, text] of Object.entries(VARIANTS)) {
      await client.query(`PREPARE explain_${name}(text[]) AS ${text}`);
      // The plan the store's named statement settles on after its first executions.
      await client.query("SET plan_cache_mode = force_generic_plan");
      const plan = (
        await client.query(`EXPLAIN (ANALYZE, BUFFERS) EXECUTE explain_${name}('{${ids.join(",")}}')`)
      ).rows.map((row) => row["QUERY PLAN"]);
      console.log(`${name}: EXPLAIN ANALYZE of ${IDS} ids: ${plan[1].trim()}; ${plan.at(-1)}`);
      await client.query("RESET plan_cache_mode");
      if (process.env["PLANS"] === "1") console.log(plan.join("\n"));
    }
    await client.query("SELECT pg_stat_statements_reset()");
    for (let round = 1; round <= 2; round++) {
      for (const [name, text] of Object.entries(VARIANTS)) {
        const statement = { name: `hot_${name}`, text, values: [ids] };
        for (let i = 0; i < 50; i++) await client.query(statement);
        const before = cpuSecondsOf(pid);
        for (let i = 0; i < EXECUTIONS; i++) await client.query(statement);
        const perRow = ((cpuSecondsOf(pid) - before) / EXECUTIONS / IDS) * 1e6;
        console.log(`${name}, round ${round}: backend CPU ${perRow.toFixed(1)} µs per row`);
      }
    }
    const stats = await client.query(
      `SELECT query, mean_exec_time FROM pg_stat_statements WHERE query LIKE '%latchkey_sessions%'
         AND query NOT LIKE 'PREPARE%' AND query NOT LIKE 'EXPLAIN%'`,
    );
    for (const row of stats.rows) {
      const name = row.query.includes("ARRAY(")
        ? "before"
        : row.query.includes("json_build_array")
          ? "json"
          : row.query.includes("LEFT JOIN LATERAL")
            ? "now"
            : row.query.includes("LATERAL")
              ? "lateral1"
              : row.query.includes("unnest")
                ? "join"
                : "columns";
      console.log(`${name}: pg_stat_statements mean ${((row.mean_exec_time * 1000) / IDS).toFixed(1)} µs per row`);
    }
  } finally {
    client.release();
  }
} finally {
  await pool.end();
  await server.dispose();
}
