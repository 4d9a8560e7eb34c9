import { describe } from "node:test";
import { memoryStores } from "@latchkey/store-memory";
import { memoryThrottleStore } from "@latchkey/store-memory";
import { createTestStores } from "../harness/test-stores.js";
import { mfaRules } from "./mfa-rules.js";

describe("second factors on the memory store (node adapter)", () => {
  mfaRules(async (now) => ({
    stores: { ...memoryStores(), throttle: memoryThrottleStore({ now }) },
    cleanup: async () => {},
  }));
});

describe("second factors on SQLite (node adapter)", () => {
  mfaRules(async (now) => {
    const test = createTestStores(now);
    return { stores: test.stores, cleanup: async () => test.cleanup() };
  });
});
