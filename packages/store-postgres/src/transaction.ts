import type { Pool, PoolClient } from "pg";
import { isUnavailableError } from "./store-error.js";

/**
 * Runs `work` in a transaction on one pooled connection: COMMIT when it resolves, ROLLBACK
 * when it throws (the error is rethrown). A connection that failed is destroyed rather than
 * returned to the pool, so the next caller does not inherit a dead socket.
 */
export async function withTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query("BEGIN");
    const result = await work(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    if (isUnavailableError(error)) {
      broken = error instanceof Error ? error : new Error(String(error));
    } else {
      await client.query("ROLLBACK").catch((rollbackError: unknown) => {
        broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
      });
    }
    throw error;
  } finally {
    client.release(broken);
  }
}
