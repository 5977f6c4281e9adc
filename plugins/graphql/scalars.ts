import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { GraphQLJSON } from 'graphql-scalars';

const EXAMPLE = '2024-05-01T12:00:00.000Z';

/**
 * `DateTime`: an ISO-8601 date or date-time as a string. Strata stores dates as `toISOString()` text
 * (UTC), so results are strings in that form. Inputs must be strings; whether they are valid dates
 * is checked by the manager (VALIDATION_FAILED on writes, BAD_QUERY in filters), exactly as over REST.
 */
export const DateTimeScalar = new GraphQLScalarType<string, string>({
  name: 'DateTime',
  description: `An ISO-8601 date or date-time string, e.g. ${EXAMPLE}. Results are UTC, in toISOString form.`,
  specifiedByURL: 'https://www.rfc-editor.org/rfc/rfc3339',
  serialize(value) {
    if (typeof value === 'string') return value;
    if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString();
    throw new GraphQLError(`DateTime cannot represent the ${typeof value} value ${String(value)}`);
  },
  parseValue(value) {
    if (typeof value !== 'string') throw new GraphQLError(`DateTime takes an ISO-8601 string such as "${EXAMPLE}", got ${JSON.stringify(value)}`);
    return value;
  },
  parseLiteral(node) {
    if (node.kind !== Kind.STRING) throw new GraphQLError(`DateTime takes an ISO-8601 string such as "${EXAMPLE}"`, { nodes: [node] });
    return node.value;
  },
});

/** `JSON`: any JSON value, for `@Field('json')` fields and JSON Patch values (graphql-scalars' GraphQLJSON). */
export const JsonScalar = GraphQLJSON;
