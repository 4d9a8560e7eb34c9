import type { LatchkeyClient, SessionState } from "@latchkey/client";
import { type ShallowRef, shallowRef } from "vue";

const refs = new WeakMap<LatchkeyClient, ShallowRef<SessionState>>();

/**
 * One reactive copy of `client`'s state, shared by every {@link useSession} of that client:
 * one subscription per client for the life of the client (an app keeps one client), updated
 * on every change: login, logout, a 401, and what other tabs announce through the client.
 */
export function sessionRef(client: LatchkeyClient): Readonly<ShallowRef<SessionState>> {
  let ref = refs.get(client);
  if (ref === undefined) {
    const created = shallowRef(client.getState());
    client.subscribe(() => {
      created.value = client.getState();
    });
    refs.set(client, created);
    ref = created;
  }
  return ref;
}
