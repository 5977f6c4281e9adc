/** The query engine: allow-list, parser, keyset cursors and SQL compiler behind search. */
export { queryableFields, coerceValue, META_FIELDS, type QueryableField, type QueryableKind } from './fields.js';
export {
  parseQuery, OPERATORS, type ParsedQuery, type QueryInput, type QueryLimits, type Condition, type FieldCondition,
  type SortKey, type Operator, type ScalarValue, type CursorValue,
} from './parse.js';
export { encodeCursor, decodeCursor, querySignature, type CursorScope } from './cursor.js';
export { compileQuery, type CompiledQuery, type CompiledStatement } from './compile.js';
