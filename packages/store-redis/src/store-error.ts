import { isNetworkError, StoreUnavailableError, type StoreName } from "@latchkey/core";

/**
 * Redis error replies that mean "cannot serve now", not "your command is wrong": the cluster
 * lacks a slot's master or is resharding, the server is loading its data, a replica lost its
 * master or was written to after a failover, a script is hogging the server, memory is full,
 * or persistence is failing. An operator (or a failover) fixes them.
 */
const UNAVAILABLE_REPLIES = [
  "CLUSTERDOWN",
  "TRYAGAIN",
  "LOADING",
  "MASTERDOWN",
  "READONLY",
  "BUSY ",
  "OOM",
  "MISCONF",
  "NOREPLICAS",
];

/**
 * What ioredis says when there is no usable connection: closed, reconnecting with the
 * offline queue off, no reply within `commandTimeout`, retries used up, or no cluster node
 * reachable.
 */
const UNAVAILABLE_MESSAGES = [
  "Connection is closed",
  "Stream isn't writeable",
  "Command timed out",
  "Reached the max retries per request limit",
  "None of startup nodes is available",
  "Failed to refresh slots cache",
  "Cluster isn't ready",
  "Cluster is disconnected",
  "Cluster is disconnecting",
  "Node is disconnected",
  "Too many Cluster redirections",
  "Socket timeout",
];

/** True when `error` says Redis cannot be used right now, rather than that a command is wrong. */
export function isUnavailableError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (isNetworkError(error)) return true;
  const message = error.message;
  if (error.name === "ReplyError") return UNAVAILABLE_REPLIES.some((prefix) => message.startsWith(prefix));
  if (error.name === "MaxRetriesPerRequestError" || error.name === "ClusterAllFailedError") return true;
  return UNAVAILABLE_MESSAGES.some((text) => message.includes(text));
}

/**
 * Turns "Redis cannot be used" into {@link StoreUnavailableError} for `store`, so core answers
 * 503 instead of crashing or logging the user out; any other error (a bug) passes unchanged.
 */
export function toStoreError(store: StoreName, error: unknown): unknown {
  return isUnavailableError(error) ? new StoreUnavailableError(store, error) : error;
}
