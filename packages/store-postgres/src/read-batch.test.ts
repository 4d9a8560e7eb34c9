import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createReadBatch, type ReadBatchOptions } from "./read-batch.js";
import type { Row } from "./rows.js";

/**
 * A controllable statement: reads the table when sent (its snapshot), as PostgreSQL does,
 * records each call's keys, and answers when told.
 */
function fakeStatements(table: Readonly<Record<string, string>>) {
  const calls: { keys: readonly string[]; answer(): void; fail(error: Error): void }[] = [];
  let flushes: (() => void)[] = [];
  const read = (keys: readonly string[]): Promise<Row[]> =>
    new Promise((resolve, reject) => {
      const snapshot = keys.flatMap((key) => (table[key] === undefined ? [] : [{ key, value: table[key] }]));
      calls.push({ keys, answer: () => resolve(snapshot), fail: reject });
    });
  const schedule = (flush: () => void): void => {
    flushes.push(flush);
  };
  return {
    calls,
    read,
    schedule,
    /** Batched lookups over these statements, at most `maxKeys` keys a statement. */
    batch: (maxKeys: number, more: Partial<ReadBatchOptions> = {}) =>
      createReadBatch({ read, keyOf: (row) => String(row["key"]), maxKeys, schedule, ...more }),
    /** Ends the current turn: sends what was queued. */
    endTurn() {
      const now = flushes;
      flushes = [];
      for (const flush of now) flush();
    },
  };
}

describe("createReadBatch", () => {
  it("answers fifty simultaneous lookups (distinct, repeated and unknown keys) with one statement, each with its own key's row", async () => {
    const table = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, `v${i}`]));
    const db = fakeStatements(table);
    const lookup = db.batch(100);
    const keys = [
      ...Array.from({ length: 40 }, (_, i) => `k${i}`),
      "k3",
      "k3",
      "k7",
      "nope",
      "nope",
      ...Array.from({ length: 5 }, (_, i) => `missing${i}`),
    ];
    const answers = Promise.all(keys.map((key) => lookup(key)));
    db.endTurn();
    assert.equal(db.calls.length, 1, "one statement for the whole turn");
    assert.deepEqual([...(db.calls[0]?.keys ?? [])].sort(), [...new Set(keys)].sort(), "each key asked once");
    db.calls[0]?.answer();
    const rows = await answers;
    keys.forEach((key, i) => {
      assert.deepEqual(rows[i], table[key] === undefined ? undefined : { key, value: table[key] }, key);
    });
  });

  it("splits a turn with more keys than maxKeys over several statements", async () => {
    const db = fakeStatements({ a: "1", e: "5" });
    const lookup = db.batch(2);
    const answers = Promise.all(["a", "b", "c", "d", "e"].map((key) => lookup(key)));
    db.endTurn();
    assert.deepEqual(
      db.calls.map((call) => call.keys),
      [["a", "b"], ["c", "d"], ["e"]],
    );
    for (const call of db.calls) call.answer();
    assert.deepEqual(await answers, [
      { key: "a", value: "1" },
      undefined,
      undefined,
      undefined,
      { key: "e", value: "5" },
    ]);
  });

  it("never lets a lookup join a statement already sent, so a read begun before a revocation never answers a later request", async () => {
    // The attack: a session revoked (its logout answered) while a read that still saw it is
    // in flight; a request arriving after the logout must not be answered from that read.
    const table: Record<string, string> = { session: "alive" };
    const db = fakeStatements(table);
    const lookup = db.batch(100);
    const before = lookup("session");
    db.endTurn();
    assert.equal(db.calls.length, 1);
    // The first statement has read the session but not answered yet; now the revocation commits.
    delete table["session"];
    const after = lookup("session");
    db.endTurn();
    assert.equal(db.calls.length, 2, "the later lookup got a statement of its own");
    db.calls[1]?.answer();
    assert.equal(await after, undefined, "the later request sees the revocation");
    db.calls[0]?.answer();
    assert.deepEqual(await before, { key: "session", value: "alive" }, "the earlier one gets what its statement read");
  });

  it("rejects every lookup of a failed statement with its error, and only those", async () => {
    const db = fakeStatements({ a: "1", b: "2" });
    const lookup = db.batch(1);
    const a = lookup("a");
    const aAgain = lookup("a");
    const b = lookup("b");
    db.endTurn();
    const outage = new Error("Connection terminated");
    db.calls[0]?.fail(outage);
    db.calls[1]?.answer();
    await assert.rejects(a, (error) => error === outage);
    await assert.rejects(aAgain, (error) => error === outage);
    assert.deepEqual(await b, { key: "b", value: "2" });
  });

  it("sends a lone lookup at the end of its turn, by default with setImmediate", async () => {
    const sent: string[][] = [];
    const lookup = createReadBatch({
      read: async (keys) => {
        sent.push([...keys]);
        return keys.map((key) => ({ key }));
      },
      keyOf: (row) => String(row["key"]),
      maxKeys: 100,
    });
    assert.deepEqual(await lookup("x"), { key: "x" });
    assert.deepEqual(sent, [["x"]]);
  });
  it("rejects the lookups of a statement whose row has no readable key, instead of leaving them waiting", async () => {
    const malformed = new Error("A latchkey_sessions row has a missing or malformed column");
    const lookup = createReadBatch({
      read: async () => [{ other: 1 }],
      keyOf: () => {
        throw malformed;
      },
      maxKeys: 100,
    });
    const lookups = [lookup("a"), lookup("b")];
    for (const one of lookups) await assert.rejects(one, (error) => error === malformed);
  });

  it("holds lookups made while maxInFlight statements are in flight and sends them all in one statement when one settles", async () => {
    const db = fakeStatements({ a: "1", b: "2", c: "3" });
    const lookup = db.batch(100, { maxInFlight: 1 });
    const a = lookup("a");
    db.endTurn();
    // Requests arriving one per turn while the first statement is in flight.
    const b = lookup("b");
    db.endTurn();
    const c = lookup("c");
    db.endTurn();
    assert.equal(db.calls.length, 1, "nothing more is sent while one statement is in flight");
    db.calls[0]?.answer();
    assert.deepEqual(await a, { key: "a", value: "1" });
    db.endTurn();
    assert.deepEqual(
      db.calls.map((call) => call.keys),
      [["a"], ["b", "c"]],
      "the held lookups went out together",
    );
    db.calls[1]?.answer();
    assert.deepEqual(await Promise.all([b, c]), [
      { key: "b", value: "2" },
      { key: "c", value: "3" },
    ]);
  });

  it("answers a lookup held back behind an earlier read of a since-revoked session from a statement sent after the revocation", async () => {
    const table: Record<string, string> = { session: "alive" };
    const db = fakeStatements(table);
    const lookup = db.batch(100, { maxInFlight: 1 });
    const before = lookup("session");
    db.endTurn();
    // The first statement has read the session; the revocation commits; a request arrives.
    delete table["session"];
    const after = lookup("session");
    db.endTurn();
    db.calls[0]?.answer();
    assert.deepEqual(await before, { key: "session", value: "alive" });
    db.endTurn();
    assert.equal(db.calls.length, 2, "the later lookup got a statement of its own, sent after the revocation");
    db.calls[1]?.answer();
    assert.equal(await after, undefined, "the later request sees the revocation");
  });

  it("sends the held lookups when the statement in flight fails", async () => {
    const db = fakeStatements({ b: "2" });
    const lookup = db.batch(100, { maxInFlight: 1 });
    const a = lookup("a");
    db.endTurn();
    const b = lookup("b");
    db.endTurn();
    const outage = new Error("Connection terminated");
    db.calls[0]?.fail(outage);
    await assert.rejects(a, (error) => error === outage);
    db.endTurn();
    assert.equal(db.calls.length, 2);
    db.calls[1]?.answer();
    assert.deepEqual(await b, { key: "b", value: "2" });
  });

  it("stops waiting for a statement that never answers after maxHoldMs, so one lost connection cannot hold up every later lookup", async () => {
    const db = fakeStatements({ a: "1", b: "2" });
    const timers: { run(): void; ms: number; cancelled: boolean }[] = [];
    const lookup = db.batch(100, {
      maxInFlight: 1,
      maxHoldMs: 250,
      setTimer: (run, ms) => {
        const timer = { run, ms, cancelled: false };
        timers.push(timer);
        return () => {
          timer.cancelled = true;
        };
      },
    });
    void lookup("a");
    db.endTurn();
    const b = lookup("b");
    db.endTurn();
    assert.equal(db.calls.length, 1);
    assert.equal(timers.length, 1, "one timer for the held lookups");
    assert.equal(timers[0]?.ms, 250);
    timers[0]?.run();
    db.endTurn();
    assert.equal(db.calls.length, 2, "the held lookup was sent while the first statement still hangs");
    db.calls[1]?.answer();
    assert.deepEqual(await b, { key: "b", value: "2" });
  });

  it("cancels the hold timer when the statement in flight settles in time", async () => {
    const db = fakeStatements({ a: "1", b: "2" });
    const timers: { cancelled: boolean }[] = [];
    const lookup = db.batch(100, {
      maxInFlight: 1,
      setTimer: () => {
        const timer = { cancelled: false };
        timers.push(timer);
        return () => {
          timer.cancelled = true;
        };
      },
    });
    const a = lookup("a");
    db.endTurn();
    void lookup("b");
    db.endTurn();
    db.calls[0]?.answer();
    await a;
    assert.deepEqual(timers, [{ cancelled: true }]);
  });
});
