/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** Origin of the latchkey API; empty (the default) means this page's own origin. */
  readonly VITE_LATCHKEY_URL?: string;
  /** `cookie` (default) or `token`. */
  readonly VITE_LATCHKEY_MODE?: string;
  /** Token mode: `memory` (default, logged out on reload) or `localStorage` (survives reloads). */
  readonly VITE_LATCHKEY_TOKEN_STORAGE?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
