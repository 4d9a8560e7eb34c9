/**
 * What the harness apps' `POST /api/public/` echoes of the body their own parser read: the
 * body itself, or a note when it is nested too deeply for `JSON.stringify` (a body such as
 * 10,000 nested arrays parses but cannot be serialised back; found by the fuzz suite, where
 * it crashed or failed the apps' answers).
 */
export function echoable(body: unknown): unknown {
  try {
    JSON.stringify(body);
    return body;
  } catch {
    return "(nested too deeply to echo)";
  }
}
