export { runStoreContract } from "./run-store-contract.js";
export type { StoreContractFactory, StoreContractSubject } from "./subject.js";
