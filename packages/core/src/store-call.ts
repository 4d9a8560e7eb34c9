import { StoreUnavailableError, type StoreName } from "./errors.js";

/**
 * Runs a store operation and turns any failure into a {@link StoreUnavailableError}, so a
 * store that is down (or a user-supplied store that throws) gives a 503 and never reads as
 * "no such session" (a silent logout).
 */
export async function storeCall<T>(store: StoreName, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof StoreUnavailableError) throw error;
    throw new StoreUnavailableError(store, error);
  }
}
