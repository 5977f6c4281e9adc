/** The query engine behind search: allow-list, parser, keyset cursors and SQL compiler. */
export { queryableFields, type QueryableField, type QueryableKind } from './fields.js';
export { jobQueryFields, JOB_QUERY_FIELDS } from './job-fields.js';
export { parseQuery, operatorsFor, OPERATORS, type QueryInput, type QueryLimits, type Operator } from './parse.js';
export type { ParsedQuery, Condition, FieldCondition, SortKey, ScalarValue, CursorValue } from './parsed-query.js';
export { encodeCursor } from './cursor.js';
export { compileQuery, compileTests, type CompiledQuery, type CompiledStatement } from './compile.js';
