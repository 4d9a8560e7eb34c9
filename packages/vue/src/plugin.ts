import type { LatchkeyClient } from "@latchkey/client";
import type { App, Plugin } from "vue";
import { LATCHKEY_CLIENT } from "./injection-key.js";

/** Options of {@link createLatchkeyPlugin}. */
export interface LatchkeyPluginOptions {
  /**
   * Ask the server once, when the plugin is installed, whether a session exists
   * (`client.refresh()`). Until that answer the status is `loading`. Turn it off only to start
   * the check yourself (server-side rendering, tests). @default true
   */
  readonly check?: boolean;
}

/**
 * The Vue plugin: `app.use(createLatchkeyPlugin(client))` makes `client` available to
 * {@link useSession} in every component, and starts the first session check.
 */
export function createLatchkeyPlugin(client: LatchkeyClient, options: LatchkeyPluginOptions = {}): Plugin {
  return {
    install(app: App): void {
      app.provide(LATCHKEY_CLIENT, client);
      // The client merges concurrent refreshes, so a guard that waits for the same check
      // (router.ts) does not cause a second request.
      if (options.check !== false && client.getState().status === "loading") void client.refresh();
    },
  };
}
