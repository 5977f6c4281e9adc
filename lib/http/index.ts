/** What every HTTP transport shares: problem+json answers and exact bodies (docs/errors.md). */
export { DEFAULT_CHALLENGE, problemHeaders, problemType, sendProblem, toProblem, toStrataError, type Problem } from './problem.js';
export { sendJson, sendText } from './send.js';
export { checkJsonDepth, decodeUtf8, DECODED_ENCODINGS, DEFAULT_MAX_INPUT_DEPTH, parseByteSize, parseJsonText, readRequestBody, valueDepth, type BodyLimits } from './body.js';
export { securityMiddleware, type SecurityOptions } from './security.js';
