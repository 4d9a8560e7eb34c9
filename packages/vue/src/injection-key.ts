import type { LatchkeyClient } from "@latchkey/client";
import type { InjectionKey } from "vue";

/** The key under which {@link createLatchkeyPlugin}'s plugin provides the client to the app. */
export const LATCHKEY_CLIENT: InjectionKey<LatchkeyClient> = Symbol("latchkey client");
