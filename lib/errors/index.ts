export { ERROR_CODES, type ErrorCode } from './codes.js';
export { StrataError, isStrataError, prefixErrorPaths, type ErrorDetail, type StrataErrorOptions } from './StrataError.js';
export { BootstrapError } from './BootstrapError.js';
