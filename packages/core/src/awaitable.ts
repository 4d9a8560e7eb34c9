/**
 * A value now, or a promise of it: what the hot path's steps return, so that a request
 * answered from memory (a session cache or store read-cache hit) runs to its answer without
 * a promise and a microtask per layer, while anything that needs I/O stays asynchronous.
 */
export type Awaitable<T> = T | PromiseLike<T>;

/** True when `value` is still to come (any thenable, as `await` would treat it). */
export function isPending<T>(value: Awaitable<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}
