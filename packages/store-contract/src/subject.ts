import type { Stores } from "@latchkey/core";

/** Fresh stores for one contract test, and how to dispose of them. */
export interface StoreContractSubject {
  /** Stores over an empty backend. */
  stores: Stores;
  /** Closes every connection the subject (and its `reopen()` calls) opened and deletes its data. */
  cleanup(): Promise<void>;
  /**
   * A second, independent set of stores over the same backend: another connection to the
   * same SQLite file, another client of the same Redis. Leave it out when the backend
   * belongs to one instance (the in-memory store); the sharing tests then say they were skipped.
   */
  reopen?(): Promise<Stores>;
  /**
   * Grants `permissions` through the group `groupName` (creating it if needed), replacing what
   * the group granted before. Leave it out if the store cannot administer groups; the
   * group-permission test then says it was skipped.
   */
  setGroupPermissions?(groupName: string, permissions: readonly string[]): Promise<void>;
}

/** Builds a {@link StoreContractSubject}; called once per test, so no test sees another's data. */
export type StoreContractFactory = () => Promise<StoreContractSubject>;

/** Runs `test` against fresh stores and always cleans up, even when the test fails. */
export async function withSubject(
  factory: StoreContractFactory,
  test: (subject: StoreContractSubject) => Promise<void>,
): Promise<void> {
  const subject = await factory();
  try {
    await test(subject);
  } finally {
    await subject.cleanup();
  }
}

/**
 * Tries to change a record a store handed out. A store may hand out copies (the change then
 * lands on the copy) or frozen records (the change throws a TypeError, ignored here); either
 * way what is stored must stay as it was, which the caller asserts next.
 */
export function tryToChange(change: () => void): void {
  try {
    change();
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
  }
}
