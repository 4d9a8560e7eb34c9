/**
 * In the SPA (same origin as the API): get the CSRF token once, then send it in the
 * X-CSRFToken header of every unsafe request. @latchkey/client does this for you.
 */
export async function createNote(text: string): Promise<unknown> {
  const csrf = await fetch("/api/csrf/", { credentials: "same-origin" });
  const token = csrf.headers.get("X-CSRFToken") ?? "";
  const res = await fetch("/api/notes/", {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": token },
    body: JSON.stringify({ text }),
  });
  if (!res.ok) throw new Error(`POST /api/notes/ answered ${res.status}`);
  return res.json();
}
