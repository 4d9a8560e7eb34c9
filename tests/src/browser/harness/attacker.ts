import { createServer, type Server } from "node:http";

/**
 * A page on another site that tries to change state on the API with the user's ambient
 * credentials: the classic cross-site request forgery, in its two forms.
 */
export interface AttackerSite {
  /** `http://127.0.0.1:<port>`: loopback, so a different site from `localhost` and from `*.example.*`. */
  readonly origin: string;
  /** A page that auto-submits `<form method=post action=…>` (a top-level navigation). */
  formUrl(action: string): string;
  /** A page that `fetch`es `url` with `credentials: "include"` and a JSON body sent as text/plain (no preflight). */
  fetchUrl(url: string, body: unknown): string;
  close(): Promise<void>;
}

/** JSON inside a `<script>`: `<` escaped so no string can close the script element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c");
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
}

function formPage(action: string): string {
  return `<!doctype html><title>You won a prize</title>
<form method="post" action="${escapeAttribute(action)}"><input type="hidden" name="next" value="/"></form>
<script>document.forms[0].submit();</script>`;
}

function fetchPage(url: string, body: unknown): string {
  // No Content-Type header: text/plain keeps it a "simple" request, which browsers send
  // without a CORS preflight, cookies and all. Only the server's CSRF check can stop it.
  return `<!doctype html><title>Cute cats</title><p id="result">pending</p>
<script>
fetch(${scriptJson(url)}, { method: "POST", credentials: "include", body: JSON.stringify(${scriptJson(body)}) })
  .then((r) => "status " + r.status, (e) => "rejected: " + e.message)
  .then((text) => { const p = document.getElementById("result"); p.textContent = text; p.dataset.done = "yes"; });
</script>`;
}

/** Starts the attacker's site on a free port of 127.0.0.1. */
export async function startAttackerSite(): Promise<AttackerSite> {
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://attacker.invalid");
    let html: string | null = null;
    const target = url.searchParams.get("target");
    if (target !== null && url.pathname === "/form.html") html = formPage(target);
    if (target !== null && url.pathname === "/fetch.html") {
      const body: unknown = JSON.parse(url.searchParams.get("body") ?? "null");
      html = fetchPage(target, body);
    }
    if (html === null) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" }).end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the attacker's server reported no TCP port");
  const origin = `http://127.0.0.1:${address.port}`;
  return {
    origin,
    formUrl: (action) => `${origin}/form.html?target=${encodeURIComponent(action)}`,
    fetchUrl: (target, body) =>
      `${origin}/fetch.html?target=${encodeURIComponent(target)}&body=${encodeURIComponent(JSON.stringify(body))}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
