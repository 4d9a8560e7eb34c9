import { describe } from "node:test";
import { joinedReadContract } from "./joined-read-contract.js";
import { peekContract } from "./peek-contract.js";
import { accountContract } from "./account-contract.js";
import { passkeyContract } from "./passkey-contract.js";
import { mfaContract } from "./mfa-contract.js";
import { sessionContract } from "./session-contract.js";
import { sessionExpiryContract } from "./session-expiry-contract.js";
import { sessionListContract } from "./session-list-contract.js";
import { sessionRaceContract } from "./session-race-contract.js";
import type { StoreContractFactory } from "./subject.js";
import { throttleContract } from "./throttle-contract.js";
import { userContract } from "./user-contract.js";
import { batchImportContract } from "./batch-import-contract.js";

/**
 * Registers the one test suite every latchkey store must pass, as
 * `describe("<name> store contract")` with `node:test`. Call it at the top level of a
 * store package's test file. `factory` is called once per test for fresh, empty stores
 * and its `cleanup()` runs after each test, pass or fail.
 *
 * What a store must do beyond the port's JSDoc: return copies or frozen records (changing
 * a result changes nothing stored), return `groups` and `permissions` sorted and without duplicates,
 * refuse a reused session id (or ignore it) rather than overwrite, and stay correct
 * under concurrent calls.
 *
 * `options.accounts: false` marks a store without an {@link AccountStore} (the account part is then skipped, loudly);
 * `options.passkeys: false` marks a store without a `PasskeyStore` (default: the value of `accounts`);
 * `options.mfa: false` one without an MfaStore (default: as `accounts`).
 *
 * @example
 * runStoreContract("memory", async () => ({ stores: memoryStores(), cleanup: async () => {} }));
 */
export function runStoreContract(
  name: string,
  factory: StoreContractFactory,
  options: { accounts?: boolean; passkeys?: boolean; mfa?: boolean } = {},
): void {
  describe(`${name} store contract`, () => {
    sessionContract(factory);
    sessionListContract(factory);
    sessionRaceContract(factory);
    sessionExpiryContract(factory);
    userContract(factory);
    batchImportContract(factory);
    throttleContract(factory);
    joinedReadContract(factory);
    peekContract(factory);
    accountContract(factory, options.accounts ?? true);
    passkeyContract(factory, options.passkeys ?? options.accounts ?? true);
    mfaContract(factory, options.mfa ?? options.accounts ?? true);
  });
}
