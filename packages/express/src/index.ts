export { latchkeyExpress, type ExpressLatchkey } from "./latchkey-express.js";
export { authOf } from "./auth-of.js";
export { toExpressLatchkeyRequest } from "./express-request.js";
