import { runStoreContract } from "@latchkey/store-contract";
import { memoryStores } from "./memory-stores.js";

runStoreContract("memory", async () => {
  const stores = memoryStores();
  return {
    stores,
    cleanup: async () => {},
    setGroupPermissions: (groupName, permissions) => stores.users.setGroupPermissions(groupName, permissions),
    // No reopen(): the in-memory backend belongs to one instance, so the sharing tests skip and say so.
  };
});
