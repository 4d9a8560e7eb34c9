import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createInFlight } from "./in-flight.js";

describe("createInFlight", () => {
  it("admits up to each key's bound, then names the full key, and admits again once one leaves", () => {
    const inFlight = createInFlight();
    const first = inFlight.enter([
      ["account:a", 2],
      ["ip:1", 10],
    ]);
    const second = inFlight.enter([
      ["account:a", 2],
      ["ip:1", 10],
    ]);
    assert.ok(first.admitted && second.admitted);
    assert.deepEqual(
      inFlight.enter([
        ["account:a", 2],
        ["ip:1", 10],
      ]),
      { admitted: false, fullKey: "account:a" },
    );
    first.leave();
    assert.equal(
      inFlight.enter([
        ["account:a", 2],
        ["ip:1", 10],
      ]).admitted,
      true,
    );
  });

  it("takes nothing when one key is full, so a refused attempt never uses another key's room", () => {
    const inFlight = createInFlight();
    const held = inFlight.enter([["ip:1", 1]]);
    assert.ok(held.admitted);
    assert.deepEqual(
      inFlight.enter([
        ["account:b", 1],
        ["ip:1", 1],
      ]),
      { admitted: false, fullKey: "ip:1" },
    );
    assert.equal(inFlight.enter([["account:b", 1]]).admitted, true, "account:b was not counted by the refused attempt");
  });

  it("counts a leave once, however often it is called", () => {
    const inFlight = createInFlight();
    const a = inFlight.enter([["k", 2]]);
    const b = inFlight.enter([["k", 2]]);
    assert.ok(a.admitted && b.admitted);
    a.leave();
    a.leave();
    assert.equal(inFlight.enter([["k", 2]]).admitted, true);
    assert.equal(inFlight.enter([["k", 2]]).admitted, false, "b and the new one still fill the bound");
  });
});
