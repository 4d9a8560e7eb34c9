import type { LatchkeyResponse } from "./request.js";

/**
 * The text of a response's JSON body: the serialisation core already made (`bodyText`), or
 * `JSON.stringify(body)`. Every adapter writes bodies through this, so none serialises twice.
 */
export function responseBodyText(response: LatchkeyResponse): string {
  return response.bodyText ?? JSON.stringify(response.body);
}
