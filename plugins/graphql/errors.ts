import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { clientFacts, isStrataError, type Logger, type StrataError } from '../../lib/plugin-api.js';

/**
 * The one place errors become what GraphQL clients see. Every error carries `extensions.code`, one
 * of the REST codes (docs/errors.md):
 * - a StrataError from the manager keeps its code and message, plus `extensions.errors` (the
 *   per-field details of VALIDATION_FAILED, BAD_QUERY, UNIQUE_VIOLATION …) when it has any;
 * - an error with no `path` is about the request itself (syntax, validation, variables, limits):
 *   BAD_REQUEST with graphql-js's message;
 * - anything else failed inside the server: INTERNAL with no details, logged with the request id.
 */
export function clientError(error: GraphQLError, requestId: string, logger: Logger): GraphQLFormattedError {
  const original = error.originalError;
  if (isStrataError(original)) return formatted(error, clientFacts(original).detail, strataExtensions(original));
  if (error.path === undefined) return formatted(error, error.message, { code: 'BAD_REQUEST' });
  logger.error('GraphQL field failed', {
    requestId, path: error.path.join('.'),
    error: original ? original.stack ?? original.message : error.message,
  });
  return formatted(error, 'Internal error', { code: 'INTERNAL', requestId });
}

/** `extensions` of a StrataError: its code, and its details when it has any (the first 50, with `moreErrors` when cut). */
export function strataExtensions(error: StrataError): Record<string, unknown> {
  const { errors, moreErrors } = clientFacts(error);
  if (errors.length === 0) return { code: error.code };
  return moreErrors === undefined ? { code: error.code, errors } : { code: error.code, errors, moreErrors };
}

/**
 * Errors graphql-http raises about the HTTP request (no query, unparsable JSON …) arrive as plain
 * Errors: BAD_REQUEST with their message. GraphQL errors that passed through `clientError` stay as they are.
 */
export function requestError(error: Error | GraphQLError): GraphQLError {
  if (error instanceof GraphQLError) return typeof error.extensions.code === 'string' ? error : withExtensions(error, error.message, { code: 'BAD_REQUEST' });
  return new GraphQLError(error.message, { extensions: { code: 'BAD_REQUEST' } });
}

/**
 * A request error without graphql-js's closing hint (`… Did you mean "title"?`, also for arguments,
 * types, enum values and variables' input fields). With introspection off the hints would still
 * spell out the schema to anyone sending misspelled names, so the endpoint drops them then.
 */
export function withoutSuggestions(error: GraphQLError): GraphQLError {
  const message = error.message.replace(/ Did you mean .*\?$/s, '');
  return message === error.message ? error : withExtensions(error, message, error.extensions);
}

/** The JSON form of an execution error (graphql-jit's errors carry `locations` and `path`, not AST nodes). */
function formatted(error: GraphQLError, message: string, extensions: Record<string, unknown>): GraphQLFormattedError {
  return {
    message,
    ...(error.locations && error.locations.length > 0 ? { locations: error.locations } : {}),
    ...(error.path ? { path: error.path } : {}),
    extensions,
  };
}

function withExtensions(error: GraphQLError, message: string, extensions: Record<string, unknown>): GraphQLError {
  return new GraphQLError(message, {
    nodes: error.nodes, source: error.source, positions: error.positions, path: error.path, extensions,
  });
}
