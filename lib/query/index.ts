/** The query engine behind search: allow-list, parser, keyset cursors and SQL compiler. */
export { queryableFields, type QueryableField, type QueryableKind } from './fields.js';
export { jobQueryFields, JOB_QUERY_FIELDS } from './job-fields.js';
export {
  parseQuery, operatorsFor, OPERATORS, type ParsedQuery, type QueryInput, type QueryLimits, type Condition,
  type FieldCondition, type SortKey, type Operator, type ScalarValue, type CursorValue,
} from './parse.js';
export { encodeCursor } from './cursor.js';
export { compileQuery, type CompiledQuery, type CompiledStatement } from './compile.js';
