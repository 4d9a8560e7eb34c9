export { latchkeyHono, type HonoLatchkey, type HonoLatchkeyOptions, type LatchkeyEnv } from "./latchkey-hono.js";
export { authOf, type LatchkeyContext } from "./auth-of.js";
export { toHonoLatchkeyRequest } from "./hono-request.js";
export { toHonoResponse } from "./hono-response.js";
