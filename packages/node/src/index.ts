export { nodeLatchkey, type NodeLatchkey } from "./node-latchkey.js";
export { toLatchkeyRequest, wrapNodeRequest, readNodeBody, pathOf } from "./node-request.js";
export { sendNodeResponse, writeNodeResponse, appendCookies, applyAuthResult } from "./node-response.js";
export { closeLingering, lingerAfterAnswer, LINGER_MS } from "./lingering-close.js";
export { answerMalformedRequests, sendFramingError } from "./malformed-requests.js";
