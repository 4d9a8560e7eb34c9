import { useSession } from "@latchkey/react";
import { useState, type ReactElement } from "react";

const NO_HELLO_ROUTE =
  "Not found: this server has no /api/hello/ route. `latchkey serve` answers only latchkey's own routes; " +
  "examples/adapters/express-spa-server.ts serves this SPA with the route (see docs/deployment.md).";

/**
 * Calls an app route of the server that only logged-in users may use (`GET /api/hello/`,
 * protected by requireUser()). Shown logged in or not, so the 401 can be seen too.
 */
export function HelloPanel(): ReactElement {
  const { client } = useSession();
  const [result, setResult] = useState<string>("");

  async function call(): Promise<void> {
    setResult("…");
    try {
      const response = await client.fetch("/api/hello/");
      const text = await response.text();
      // The ready server (`latchkey serve`) has no app routes of its own: say so plainly
      // instead of showing a bare 404.
      setResult(response.status === 404 ? `404 ${NO_HELLO_ROUTE}` : `${response.status} ${text}`);
    } catch (cause) {
      setResult(`network error: ${cause instanceof Error ? cause.message : String(cause)}`);
    }
  }

  return (
    <section className="panel">
      <h2>A protected app route</h2>
      <button data-testid="hello-call" type="button" onClick={() => void call()}>
        Call /api/hello/
      </button>
      <pre data-testid="hello-result">{result}</pre>
    </section>
  );
}
