import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createFairQueue } from "./fair-queue.js";

/** A task that records when it starts and finishes only when the test says so. */
function gate(started: string[], name: string): { task: () => Promise<string>; finish: () => void } {
  let finish = (): void => {};
  const done = new Promise<void>((resolve) => (finish = resolve));
  return {
    task: async () => {
      started.push(name);
      await done;
      return name;
    },
    finish: () => finish(),
  };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i += 1) await Promise.resolve();
}

describe("createFairQueue", () => {
  it("runs at most `concurrency` tasks at once", async () => {
    const started: string[] = [];
    const queue = createFairQueue(2);
    const gates = ["a1", "b1", "c1", "d1"].map((name) => gate(started, name));
    const results = gates.map((g, i) => queue.run(`source-${i}`, g.task));
    await settle();
    assert.deepEqual(started, ["a1", "b1"]);
    assert.deepEqual(queue.size(), { running: 2, waiting: 2 });
    for (const g of gates) g.finish();
    assert.deepEqual(await Promise.all(results), ["a1", "b1", "c1", "d1"]);
    assert.deepEqual(queue.size(), { running: 0, waiting: 0 });
  });

  it("serves a source with one task after at most one more task of a source that queued a burst (hashing-queue starvation)", async () => {
    const started: string[] = [];
    const queue = createFairQueue(1);
    const burst = Array.from({ length: 50 }, (_, i) => gate(started, `attacker${i}`));
    const burstResults = burst.map((g) => queue.run("203.0.113.9", g.task));
    const legit = gate(started, "legit");
    const legitResult = queue.run("198.51.100.7", legit.task);
    for (const g of burst) g.finish();
    legit.finish();
    await Promise.all([...burstResults, legitResult]);
    assert.deepEqual(started.slice(0, 3), ["attacker0", "attacker1", "legit"]);
  });

  it("rotates between every waiting source, one task each", async () => {
    const started: string[] = [];
    const queue = createFairQueue(1);
    const tasks = ["a1", "a2", "a3", "b1", "b2", "c1"].map((name) => ({ name, g: gate(started, name) }));
    const results = tasks.map(({ name, g }) => queue.run(name.slice(0, 1), g.task));
    for (const { g } of tasks) g.finish();
    await Promise.all(results);
    assert.deepEqual(started, ["a1", "a2", "b1", "c1", "a3", "b2"]);
  });

  it("starts the next waiting task as soon as a task settles, before that task's caller resumes (no idle slot while a finished login does its writes)", async () => {
    const events: string[] = [];
    const queue = createFairQueue(1);
    const first = gate([], "first");
    const firstCaller = queue.run("a", first.task).then(() => events.push("first caller resumed"));
    const second = queue.run("b", async () => {
      events.push("second started");
      return "second";
    });
    first.finish();
    await Promise.all([firstCaller, second]);
    assert.deepEqual(events, ["second started", "first caller resumed"]);
  });

  it("hands the slot on after a task that fails, also when it throws before returning a promise", async () => {
    const events: string[] = [];
    const queue = createFairQueue(1);
    const failing = queue
      .run("a", () => Promise.reject(new Error("store down")))
      .catch(() => events.push("caller saw failure"));
    const throwing = queue
      .run("b", (): Promise<string> => {
        throw new Error("thrown at once");
      })
      .catch(() => events.push("caller saw throw"));
    const next = queue.run("c", async () => {
      events.push("next started");
      return "served";
    });
    await Promise.all([failing, throwing]);
    assert.equal(await next, "served");
    assert.deepEqual(events, ["next started", "caller saw failure", "caller saw throw"]);
    assert.deepEqual(queue.size(), { running: 0, waiting: 0 });
  });

  it("passes a task's rejection to its caller and keeps serving the rest", async () => {
    const queue = createFairQueue(1);
    const failing = queue.run("a", () => Promise.reject(new Error("store down")));
    const next = queue.run("a", async () => "served");
    await assert.rejects(failing, /store down/);
    assert.equal(await next, "served");
    assert.deepEqual(queue.size(), { running: 0, waiting: 0 });
  });
});
