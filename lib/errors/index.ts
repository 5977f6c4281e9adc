export { ERROR_CODES, type ErrorCode } from './codes.js';
export { StrataError, clientFacts, isStrataError, prefixErrorPaths, MAX_LISTED_ERRORS, type ErrorDetail, type StrataErrorOptions } from './StrataError.js';
export { BootstrapError } from './BootstrapError.js';
