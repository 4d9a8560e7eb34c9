import type { ResolvedConfig } from "@latchkey/core";
import type { AppFactory } from "./app-under-test.js";
import { createConformanceChecker, type ConformanceChecker } from "./openapi-conformance.js";
import { tapResponses } from "./response-tap.js";

/** Each route's aliases, mapped to the route's first path (the one the document lists). */
export function routeAliases(config: Pick<ResolvedConfig, "routes">): Map<string, string> {
  const aliases = new Map<string, string>();
  for (const paths of Object.values(config.routes)) {
    const [primary, ...rest] = paths;
    if (primary !== undefined) for (const alias of rest) aliases.set(alias, primary);
  }
  return aliases;
}

// Apps started with the same settings serve the same document: compile its schemas once.
const checkers = new Map<string, ConformanceChecker>();

/**
 * `start`, with every response its app sends checked against the OpenAPI document that same
 * app serves (its own settings: base path, aliases, user shape, compat). The app's `close()`
 * fails with every response that disagreed with the document, so a contract test that
 * received one fails even though its own assertions passed. Only latchkey's documented
 * paths are checked; the app's own routes are not in the document.
 */
export function checkedAgainstOpenApi(start: AppFactory): AppFactory {
  return async (options) => {
    const app = await start(options);
    const document = app.latchkey.openapi();
    const aliases = routeAliases(app.latchkey.config);
    const key = JSON.stringify([document, [...aliases]]);
    let checker = checkers.get(key);
    if (checker === undefined) {
      checker = createConformanceChecker(document, aliases);
      checkers.set(key, checker);
    }
    const problems: string[] = [];
    const check = checker;
    tapResponses(app.server, (response) => {
      try {
        problems.push(...check.check(response));
      } catch (error) {
        problems.push(
          `${response.method} ${response.url}: the conformance check failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    });
    return {
      ...app,
      async close() {
        await app.close();
        if (problems.length > 0) {
          throw new Error(
            `${problems.length} response(s) disagree with the OpenAPI document the app serves:\n- ${problems.join("\n- ")}`,
          );
        }
      },
    };
  };
}
