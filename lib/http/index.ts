/** What every HTTP transport shares: problem+json answers and exact bodies (docs/errors.md). */
export { DEFAULT_CHALLENGE, problemHeaders, problemType, sendProblem, toProblem, toStrataError, type Problem } from './problem.js';
export { sendJson, sendText } from './send.js';
