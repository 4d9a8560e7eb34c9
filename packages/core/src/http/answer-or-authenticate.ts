import { isPending, type Awaitable } from "../awaitable.js";
import type { Latchkey, RequestAuthResult } from "../latchkey.js";
import type { LatchkeyRequest, LatchkeyResponse } from "./request.js";

/**
 * What an adapter's middleware asks of latchkey for every request: latchkey's own answer on
 * its routes, else the authentication of the app's request. Both ways of stopping come back
 * alike, `{ ok: false, response }` (send `response`, do not go on to the app), so the
 * middleware has one outcome to apply. A ready answer comes back as it is, without a promise
 * (see `Latchkey.handleNow`); only a store that must be asked makes it a promise.
 */
export function answerOrAuthenticateNow(latchkey: Latchkey, request: LatchkeyRequest): Awaitable<RequestAuthResult> {
  const handled = latchkey.handleNow(request);
  return isPending(handled)
    ? Promise.resolve(handled).then((response) => outcomeOf(latchkey, request, response))
    : outcomeOf(latchkey, request, handled);
}

function outcomeOf(
  latchkey: Latchkey,
  request: LatchkeyRequest,
  response: LatchkeyResponse | null,
): Awaitable<RequestAuthResult> {
  return response === null ? latchkey.authenticateRequestNow(request) : { ok: false, response };
}
