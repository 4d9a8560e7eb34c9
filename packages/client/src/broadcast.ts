import { isRecord } from "./parse.js";

/** Name of the BroadcastChannel every latchkey client on an origin shares. */
export const BROADCAST_CHANNEL_NAME = "latchkey";

/** A login or logout, told to the page's other tabs. */
export type SessionEvent = "login" | "logout";

/** This tab's end of the channel. */
export interface SessionBroadcast {
  /** Tells every other tab (never this one) about a login or logout here. */
  post(event: SessionEvent): void;
  close(): void;
}

/**
 * Joins the `latchkey` channel. Messages carry the API's address (`scope`), so two clients of
 * different APIs on one page ignore each other. Only the event name crosses tabs: never a
 * token or user data.
 */
export function openSessionBroadcast(scope: string, onEvent: (event: SessionEvent) => void): SessionBroadcast {
  if (typeof BroadcastChannel !== "function") return { post() {}, close() {} };
  const channel = new BroadcastChannel(BROADCAST_CHANNEL_NAME);
  // Node keeps the process alive while a channel is open; a client must never do that.
  if ("unref" in channel && typeof channel.unref === "function") channel.unref();
  channel.onmessage = (message: MessageEvent<unknown>) => {
    const data = message.data;
    if (!isRecord(data) || data.scope !== scope) return;
    if (data.event === "login" || data.event === "logout") onEvent(data.event);
  };
  return {
    post(event) {
      try {
        channel.postMessage({ scope, event });
      } catch {
        // A closed channel: nobody left to tell.
      }
    },
    close() {
      channel.close();
    },
  };
}
