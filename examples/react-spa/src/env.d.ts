/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** Origin of the latchkey API; empty (the default) means this page's own origin. */
  readonly VITE_LATCHKEY_URL?: string;
  /** `cookie` (default) or `token`. */
  readonly VITE_LATCHKEY_MODE?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
