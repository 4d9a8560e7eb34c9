import vue from "@vitejs/plugin-vue";
import { defineConfig, type ProxyOptions } from "vite";

// Where the latchkey server listens in development (`npm start` at the repo root).
const target = process.env.LATCHKEY_PROXY_TARGET ?? "http://127.0.0.1:8000";

// The SPA calls /api on its own origin and Vite forwards it: the browser sees one origin, so
// no CORS and SameSite=Lax cookies just work (deployment mode B). `changeOrigin` stays off:
// the server then sees the page's Host, which matches the Origin header of unsafe requests.
const proxy: Record<string, ProxyOptions> = { "/api": { target, changeOrigin: false } };

export default defineConfig({
  plugins: [vue()],
  server: { proxy },
  preview: { proxy },
});
