export { ERROR_CODES, type ErrorCode } from './codes.js';
export { StrataError, isStrataError, prefixErrorPaths, type ErrorDetail } from './StrataError.js';
export { BootstrapError } from './BootstrapError.js';
