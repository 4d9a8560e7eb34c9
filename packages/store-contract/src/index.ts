export { runStoreContract } from "./run-store-contract.js";
export type { StoreContractFactory, StoreContractSubject } from "./subject.js";
export { NOW as CONTRACT_NOW } from "./fixtures.js";
export {
  assertEveryMethodUnavailable,
  assertServingAgain,
  liveSession,
  type OutageSubject,
} from "./outage-assertions.js";
export { cacheLeaseContract, type CacheLeaseFactory, type CacheLeaseSubject } from "./cache-lease-contract.js";
