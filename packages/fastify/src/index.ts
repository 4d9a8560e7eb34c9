export { latchkeyFastify, sendFastifyResponse, type LatchkeyFastifyOptions } from "./latchkey-fastify.js";
export { authOf } from "./auth-of.js";
