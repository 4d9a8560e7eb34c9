// What the hot read (a session with its user, `getSessionWithUser`, once per authenticated
// request when the session cache is off) costs Node: CPU µs per lookup from process.cpuUsage()
// (this process only), and PostgreSQL: the CPU of its client backends per lookup, from
// /proc/<pid>/stat (10 ms ticks, so a coarse figure; hot-read-cost.mjs measures one statement). Starts a throwaway
// PostgreSQL 15 (@latchkey/testkit), one user in 2 groups with 1,000 sessions shaped as the
// bench's (a browser User-Agent, an ip), then runs rounds of `CONCURRENCY` simultaneous
// lookups of distinct ids (one batched statement per round, as a busy server's poll phase
// makes), and reports the best of `ROUNDS` blocks. With a second dist directory given, both
// builds run against the same database, blocks interleaved (old, new, old, new, ...), since
// the machine is noisy and the best of interleaved blocks is the figure to compare.
// Run after `npx tsc -b`:
//   node packages/store-postgres/scripts/hot-read-node-cost.mjs [OTHER_DIST_DIR]
// Environment: CONCURRENCY (default 50), LOOKUPS per block (default 20000), ROUNDS (default 7);
// SPREAD=1 starts each lookup of a round in a turn of the event loop of its own (setImmediate),
// as requests arriving one per poll phase do, instead of all in one turn.
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { startPostgres } from "@latchkey/testkit";
import pg from "pg";

const CONCURRENCY = Number(process.env["CONCURRENCY"] ?? 50);
const LOOKUPS = Number(process.env["LOOKUPS"] ?? 20_000);
const ROUNDS = Number(process.env["ROUNDS"] ?? 7);
const SPREAD = process.env["SPREAD"] === "1";
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
const TICKS_PER_SECOND = 100;
const cpuSecondsOf = (pid) => {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0; // a backend that ended meanwhile
  }
};
const USER_AGENT =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

const builds = [{ name: "this build", dir: new URL("../dist/", import.meta.url).href }];
if (process.argv[2] !== undefined)
  builds.unshift({ name: "other build", dir: `${pathToFileURL(resolve(process.argv[2])).href}/` });

const server = await startPostgres();
const pools = [];
const newPool = () => {
  const pool = new pg.Pool({ connectionString: server.url, max: 10 });
  pool.on("error", () => {});
  pools.push(pool);
  return pool;
};
try {
  const setup = await import(`${builds.at(-1).dir}index.js`);
  const setupPool = newPool();
  await setup.migratePostgres(setupPool);
  const stores = await setup.postgresStores({ pool: setupPool });
  await stores.users.setGroupPermissions("editors", ["blog.add_post", "blog.change_post"]);
  await stores.users.setGroupPermissions("staff", ["blog.view_post"]);
  const user = await stores.users.createUser({
    username: "bench",
    usernameKey: "bench",
    email: "bench@example.com",
    firstName: "Bench",
    lastName: "User",
    isActive: true,
    isStaff: false,
    isSuperuser: false,
    passwordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaA",
    dateJoined: Date.now() - 86_400_000,
    groups: ["editors", "staff"],
    permissions: ["blog.delete_post"],
  });
  const ids = [];
  const now = Date.now();
  for (let i = 0; i < 1000; i++) {
    const id = randomBytes(16).toString("base64url");
    ids.push(id);
    await stores.sessions.createSession({
      id,
      secretHash: createHash("sha256").update(id).digest("hex"),
      userId: String(user.id),
      kind: "cookie",
      createdAt: now - 86_400_000,
      lastSeenAt: now,
      expiresAt: now + 14 * 86_400_000,
      absoluteExpiresAt: now + 30 * 86_400_000,
      ip: "127.0.0.1",
      userAgent: USER_AGENT,
      label: null,
    });
  }
  await setupPool.query("ANALYZE");

  const readers = [];
  for (const build of builds) {
    const module = await import(`${build.dir}index.js`);
    const built = await module.postgresStores({ pool: newPool() });
    readers.push({ ...build, read: (id) => built.sessions.getSessionWithUser(id), best: Infinity });
  }

  let next = 0;
  async function block(read) {
    for (let done = 0; done < LOOKUPS; done += CONCURRENCY) {
      const round = [];
      for (let i = 0; i < CONCURRENCY; i++) {
        if (SPREAD && i > 0) await nextTurn();
        round.push(read(ids[next++ % ids.length]));
      }
      for (const found of await Promise.all(round))
        if (found === null || found.user === null) throw new Error("A lookup found nothing.");
    }
  }
  for (const reader of readers) await block(reader.read); // warm-up: JIT, prepared statements
  const backends = async () =>
    (await setupPool.query("SELECT pid FROM pg_stat_activity WHERE backend_type = 'client backend'")).rows.map(
      (row) => row.pid,
    );
  const pgCpu = (pids) => pids.reduce((sum, pid) => sum + cpuSecondsOf(pid), 0);
  for (const reader of readers) reader.pg = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const line = [];
    for (const reader of readers) {
      const pids = await backends();
      const pgBefore = pgCpu(pids);
      const before = process.cpuUsage();
      await block(reader.read);
      const used = process.cpuUsage(before);
      const pgPerLookup = ((pgCpu(pids) - pgBefore) / LOOKUPS) * 1e6;
      const perLookup = (used.user + used.system) / LOOKUPS;
      reader.best = Math.min(reader.best, perLookup);
      reader.pg.push(pgPerLookup);
      line.push(`${reader.name} ${perLookup.toFixed(2)} (PostgreSQL ${pgPerLookup.toFixed(1)})`);
    }
    console.log(`round ${round}: Node CPU µs per lookup: ${line.join(", ")}`);
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  console.log(
    `best of ${ROUNDS} (${CONCURRENCY} lookups ${SPREAD ? "each in a turn of its own" : "in one turn"}): ${readers
      .map((r) => `${r.name} ${r.best.toFixed(2)} µs (PostgreSQL median ${median(r.pg).toFixed(1)} µs)`)
      .join(", ")}`,
  );
} finally {
  for (const pool of pools) await pool.end();
  await server.dispose();
}
