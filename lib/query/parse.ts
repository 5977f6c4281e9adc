import { StrataError, type ErrorDetail } from '../errors/StrataError.js';
import type { ResourceModel } from '../metadata/model.js';
import { decodeCursor, querySignature } from './cursor.js';
import type { Condition, FieldCondition, ParsedQuery, ScalarValue, SortKey } from './parsed-query.js';
import { coerceBoolean } from '../metadata/built-in-field-types.js';
import { fieldTypeOf } from '../metadata/field-type-registry.js';
import { normalizeIndexValue } from '../metadata/normalize.js';
import { coerceValue, listItems, queryableFields, quote, type QueryableField, type QueryableKind } from './fields.js';

/** Every filter operator, in the order error messages list them. */
export const OPERATORS = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'nin', 'contains', 'startsWith', 'endsWith', 'exists', 'isNull'] as const;

/** A filter operator. */
export type Operator = typeof OPERATORS[number];

/** Paging limits, from `STRATA_DEFAULT_QUERY_LIMIT` and `STRATA_MAX_QUERY_LIMIT`. */
export interface QueryLimits {
  readonly defaultLimit: number;
  readonly maxLimit: number;
}

/**
 * Query input as transports receive it: a `qs`-parsed query string (all strings), a JSON body or
 * GraphQL arguments. `filter` is `where` as a JSON string.
 */
export interface QueryInput {
  where?: unknown; filter?: unknown; sort?: unknown; limit?: unknown; offset?: unknown; cursor?: unknown;
  q?: unknown; fields?: unknown; deleted?: unknown; total?: unknown;
}

const PARAMETERS = ['where', 'filter', 'sort', 'limit', 'offset', 'cursor', 'q', 'fields', 'deleted', 'total'];
const DELETED_MODES = ['exclude', 'include', 'only'] as const;
const MAX_DEPTH = 8;
const MAX_TESTS = 200;
const MAX_LIST_LENGTH = 500;
const MAX_TEXT_LENGTH = 1000;
const RANGE: readonly Operator[] = ['gt', 'gte', 'lt', 'lte'];
const TEXT: readonly Operator[] = ['contains', 'startsWith', 'endsWith'];
const OPERATOR_NAMES: ReadonlySet<string> = new Set(OPERATORS);
// Enums are stored as text, so their order would not be the declared one; their text can be matched.
const ENUM_OPERATORS = { ordered: false, textMatch: true };

/**
 * The operators a field of `kind` takes, in the order error messages list them: an enum's, or what
 * the scalar kind's `index` in the field-type registry allows.
 * @example operatorsFor('boolean') // ['eq', 'ne', 'in', 'nin', 'exists', 'isNull']
 */
export function operatorsFor(kind: QueryableKind): readonly Operator[] {
  const { ordered, textMatch } = kind === 'enum' ? ENUM_OPERATORS : fieldTypeOf(kind)?.index ?? {};
  return OPERATORS.filter((operator) => (!RANGE.includes(operator) || ordered) && (!TEXT.includes(operator) || textMatch));
}

/**
 * Validates loose query input against the model's allow-list (see `queryableFields`) and coerces
 * every value to its field's kind. Every problem found is reported at once as a BAD_QUERY whose
 * `errors` say what is allowed.
 * @example parseQuery(model, { where: { age: { gte: '18' } }, sort: '-age' }, { defaultLimit: 20, maxLimit: 100 })
 */
export function parseQuery(model: ResourceModel, input: unknown, limits: QueryLimits, extraFields?: readonly QueryableField[], hidden?: ReadonlySet<string>): ParsedQuery {
  const fields = queryableFields(model, extraFields);
  // Fields hidden from the caller (a hook's `restrict({ hiddenFields })`) are as unknown as any other name.
  const visible = hidden && hidden.size > 0 ? new Map([...fields].filter(([name]) => !hidden.has(name))) : fields;
  const parser = new QueryParser(model, visible, hidden);
  return parser.parse(input === undefined ? {} : input, limits);
}

/**
 * The path of the first string (or key) in the input holding U+0000, without recursion. SQLite
 * ends a LIKE pattern at it, so `contains: '\0'` would match every row; PostgreSQL refuses it.
 */
function pathOfNul(input: unknown): string | undefined {
  const stack: [unknown, string][] = [[input, '']];
  while (stack.length > 0) {
    const [value, path] = stack.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return path || 'query';
    } else if (value !== null && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        const here = path ? `${path}.${key}` : key;
        if (key.includes('\u0000')) return here;
        stack.push([child, here]);
      }
    }
  }
  return undefined;
}

/** Walks the input once, collecting every problem before throwing them together. */
class QueryParser {
  private readonly problems: ErrorDetail[] = [];
  private testCount = 0;

  constructor(private readonly model: ResourceModel, private readonly fields: ReadonlyMap<string, QueryableField>, private readonly hidden?: ReadonlySet<string>) {}

  parse(input: unknown, limits: QueryLimits): ParsedQuery {
    if (!isPlainObject(input)) {
      const message = `query: must be an object of parameters, got ${quote(input)}`;
      throw StrataError.badQuery(message, [{ path: 'query', message, constraint: 'object' }]);
    }
    const withNul = pathOfNul(input);
    if (withNul !== undefined) {
      const message = `${withNul}: U+0000 cannot be searched for (no stored text holds it)`;
      throw StrataError.badQuery(message, [{ path: withNul, message, constraint: 'noNul' }]);
    }
    const parameters = new Map(Object.entries(input).filter(([, value]) => value !== undefined && value !== null));
    for (const key of parameters.keys()) {
      if (!PARAMETERS.includes(key)) this.problem(key, `unknown parameter ${quote(key)}; use ${PARAMETERS.join(', ')}`, 'unknownParameter');
    }
    const where = this.where(parameters.get('where'), parameters.get('filter'));
    const sort = this.sort(parameters.get('sort'));
    const limit = this.count(parameters.get('limit'), 'limit') ?? limits.defaultLimit;
    if (limit > limits.maxLimit) this.problem('limit', `at most ${limits.maxLimit}, got ${limit}`, 'maxLimit');
    const offset = this.count(parameters.get('offset'), 'offset') ?? 0;
    const cursor = this.text(parameters.get('cursor'), 'cursor');
    if (cursor !== undefined && parameters.has('offset')) this.problem('offset', 'cannot be combined with cursor; page with one of them', 'cursorWithOffset');
    const q = this.search(parameters.get('q'));
    const fields = this.projection(parameters.get('fields'));
    const deleted = this.deleted(parameters.get('deleted'));
    const total = this.flag(parameters.get('total'), 'total');
    if (this.problems.length > 0) throw StrataError.badQuery(this.problems.map((detail) => detail.message).join('; '), this.problems);
    const signature = querySignature({ sort, where, q, deleted });
    const after = cursor === undefined ? undefined : decodeCursor(cursor, signature, sort);
    return { where, q, sort, limit, offset, after, fields, deleted, total, signature };
  }

  private problem(path: string, message: string, constraint: string): undefined {
    this.problems.push({ path, message: `${path}: ${message}`, constraint });
    return undefined;
  }

  private where(where: unknown, filter: unknown): Condition | undefined {
    if (where !== undefined && filter !== undefined) return this.problem('filter', 'give where or filter, not both', 'whereAndFilter');
    const path = where !== undefined ? 'where' : 'filter';
    let tree = where ?? filter;
    if (tree === undefined) return undefined;
    if (typeof tree === 'string') {
      try {
        tree = JSON.parse(tree);
      } catch {
        return this.problem(path, 'not valid JSON; send an object such as {"age":{"gte":18}}', 'json');
      }
    }
    return this.group(tree, path, 0);
  }

  /** An object of field tests and `and`/`or`/`not`, all of which must hold. */
  private group(value: unknown, path: string, depth: number): Condition | undefined {
    if (depth > MAX_DEPTH) return this.problem(path, `nests deeper than ${MAX_DEPTH} levels`, 'maxDepth');
    if (!isPlainObject(value)) return this.problem(path, `must be an object such as {"age":{"gte":18}}, got ${quote(value)}`, 'object');
    const conditions: Condition[] = [];
    for (const [key, child] of Object.entries(value)) {
      const childPath = `${path}.${key}`;
      let condition: Condition | undefined;
      if (key === 'and' || key === 'or') condition = this.junction(key, child, childPath, depth);
      else if (key === 'not') {
        const negated = this.group(child, childPath, depth + 1);
        condition = negated && { kind: 'not', condition: negated };
      } else condition = this.fieldTests(key, child, childPath, path);
      if (condition) conditions.push(condition);
    }
    return conditions.length === 1 ? conditions[0] : { kind: 'and', conditions };
  }

  /** `and`/`or` take an array, or an object with numeric keys as `qs` makes of `and[0][age]=1`. */
  private junction(kind: 'and' | 'or', value: unknown, path: string, depth: number): Condition | undefined {
    let items: unknown[] | undefined;
    if (Array.isArray(value)) items = value;
    else if (isPlainObject(value) && Object.keys(value).every((key) => /^\d+$/.test(key))) {
      items = Object.entries(value).sort(([left], [right]) => Number(left) - Number(right)).map(([, item]) => item);
    }
    if (!items) return this.problem(path, 'must be a list of conditions, e.g. [{"age":1},{"name":"x"}]', 'list');
    const conditions = items.map((item, index) => this.group(item, `${path}[${index}]`, depth + 1));
    return { kind, conditions: conditions.filter((condition): condition is Condition => condition !== undefined) };
  }

  /** `{ field: value }`, `{ field: null }` or `{ field: { operator: value, … } }`. */
  private fieldTests(name: string, value: unknown, path: string, parentPath: string): Condition | undefined {
    const field = this.fields.get(name);
    if (!field) return this.problem(parentPath, `unknown field ${quote(name)}; filter on ${[...this.fields.keys()].join(', ')}`, 'unknownField');
    if (value === null) return { kind: 'field', field, operator: 'isNull', value: true };
    if (Array.isArray(value)) return this.problem(path, 'is a list; use {"in": [...]} to match any of several values', 'scalar');
    if (!isPlainObject(value)) return this.operation(field, 'eq', value, path);
    const operations = Object.entries(value);
    if (operations.length === 0) return this.problem(path, `names no operator; ${this.operatorsOf(field)}`, 'operator');
    const conditions = operations.map(([operator, operand]) => this.operation(field, operator, operand, `${path}.${operator}`));
    const valid = conditions.filter((condition): condition is FieldCondition => condition !== undefined);
    return valid.length === 1 ? valid[0] : { kind: 'and', conditions: valid };
  }

  private operatorsOf(field: QueryableField): string {
    return `${field.name} (${field.kind}) takes ${operatorsFor(field.kind).join(', ')}`;
  }

  private operation(field: QueryableField, operator: string, operand: unknown, path: string): FieldCondition | undefined {
    if (!OPERATOR_NAMES.has(operator)) return this.problem(path, `unknown operator ${quote(operator)}; ${this.operatorsOf(field)}`, 'unknownOperator');
    if (!operatorsFor(field.kind).includes(operator as Operator)) {
      return this.problem(path, `${operator} does not apply to ${field.kind} fields; ${this.operatorsOf(field)}`, 'operatorNotAllowed');
    }
    if (++this.testCount > MAX_TESTS) return this.problem(path, `a filter holds at most ${MAX_TESTS} tests`, 'maxTests');
    const op = operator as Operator;
    if (op === 'exists' || op === 'isNull') {
      const flag = coerceBoolean(operand);
      if (flag === undefined) return this.problem(path, `takes true or false, got ${quote(operand)}`, 'boolean');
      return { kind: 'field', field, operator: op, value: flag };
    }
    // `eq: null` and `ne: null` read naturally, so they mean isNull and exists.
    if (operand === null && (op === 'eq' || op === 'ne')) return { kind: 'field', field, operator: op === 'eq' ? 'isNull' : 'exists', value: true };
    if (op === 'in' || op === 'nin') {
      const items = listItems(operand);
      if (!items) return this.problem(path, `takes a list or a comma-separated string, got ${quote(operand)}`, 'list');
      if (items.length > MAX_LIST_LENGTH) return this.problem(path, `takes at most ${MAX_LIST_LENGTH} values`, 'maxList');
      const values = items.map((item, index) => this.coerce(field, item, `${path}[${index}]`));
      if (!values.every((item) => item !== undefined)) return undefined;
      return { kind: 'field', field, operator: op, value: values as ScalarValue[] };
    }
    if (op === 'contains' || op === 'startsWith' || op === 'endsWith') {
      if (typeof operand !== 'string' || operand === '') return this.problem(path, `takes a non-empty string, got ${quote(operand)}`, 'string');
      return { kind: 'field', field, operator: op, value: normalizeIndexValue(field.normalize, operand) as string };
    }
    const value = this.coerce(field, operand, path);
    return value === undefined ? undefined : { kind: 'field', field, operator: op, value };
  }

  private coerce(field: QueryableField, value: unknown, path: string): ScalarValue | undefined {
    const result = coerceValue(field, value);
    return 'problem' in result ? this.problem(path, result.problem, field.kind) : normalizeIndexValue(field.normalize, result.value) as ScalarValue;
  }

  /** `-` marks descending; `id` ends every sort so the order is total and cursors work. */
  private sort(value: unknown): SortKey[] {
    const names = value === undefined ? [] : listItems(value) ?? this.problem('sort', `takes a comma-separated string or a list of field names, got ${quote(value)}`, 'list') ?? [];
    const sort: SortKey[] = [];
    for (const item of names) {
      const name = typeof item === 'string' ? item.trim() : '';
      const descending = name.startsWith('-');
      const field = this.fields.get(descending ? name.slice(1) : name);
      if (!field) this.problem('sort', `cannot sort by ${quote(item)}; sort by ${[...this.fields.keys()].join(', ')} (prefix - for descending)`, 'unknownField');
      else if (sort.some((key) => key.field === field)) this.problem('sort', `names ${field.name} twice`, 'duplicate');
      else sort.push({ field, descending });
    }
    if (sort.length === 0) sort.push({ field: this.fields.get('_meta.createdAt')!, descending: false });
    // id runs the way the last key does, so a (column, id) index serves `-column` read backwards.
    if (!sort.some((key) => key.field.name === 'id')) sort.push({ field: this.fields.get('id')!, descending: sort[sort.length - 1].descending });
    return sort;
  }

  /** A whole number of at least 0 (`limit`, `offset`). */
  private count(value: unknown, path: string): number | undefined {
    if (value === undefined) return undefined;
    const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
    if (typeof number === 'number' && Number.isSafeInteger(number) && number >= 0) return number;
    return this.problem(path, `takes a whole number of at least 0, got ${quote(value)}`, 'integer');
  }

  private text(value: unknown, path: string): string | undefined {
    if (value === undefined) return undefined;
    if (typeof value === 'string' && value.includes('\u0000')) return this.problem(path, 'cannot contain the NUL character (U+0000)', 'noNul');
    if (typeof value === 'string' && value.trim() !== '') return value;
    return this.problem(path, `takes a non-empty string, got ${quote(value)}`, 'string');
  }

  private search(value: unknown): string | undefined {
    const q = this.text(value, 'q');
    if (q === undefined) return undefined;
    if (this.model.textFields.length === 0) {
      return this.problem('q', `${this.model.name} has no full-text searchable field (mark string fields @Indexed({ text: true })); filter with where instead`, 'textSearch');
    }
    if (q.length > MAX_TEXT_LENGTH) return this.problem('q', `at most ${MAX_TEXT_LENGTH} characters`, 'maxLength');
    return q.trim();
  }

  /** `fields`: any model field; `id` and `_meta` are always returned, so naming them is harmless. */
  private projection(value: unknown): string[] | undefined {
    if (value === undefined) return undefined;
    const names = listItems(value);
    if (!names) return this.problem('fields', `takes a comma-separated string or a list of field names, got ${quote(value)}`, 'list');
    const fields = new Set<string>();
    for (const item of names) {
      const name = typeof item === 'string' ? item.trim() : '';
      if (this.model.fieldsByName.has(name) && !this.hidden?.has(name)) fields.add(name);
      else if (name !== 'id' && name !== '_meta') {
        const known = [...this.model.fieldsByName.keys()].filter((field) => !this.hidden?.has(field));
        this.problem('fields', `unknown field ${quote(item)}; ${this.model.name} has ${known.join(', ')}`, 'unknownField');
      }
    }
    return [...fields];
  }

  private deleted(value: unknown): ParsedQuery['deleted'] {
    if (value === undefined) return 'exclude';
    const mode = DELETED_MODES.find((candidate) => candidate === value);
    return mode ?? this.problem('deleted', `takes include, only or exclude, got ${quote(value)}`, 'enum') ?? 'exclude';
  }

  private flag(value: unknown, path: string): boolean {
    if (value === undefined) return false;
    return coerceBoolean(value) ?? this.problem(path, `takes true or false, got ${quote(value)}`, 'boolean') ?? false;
  }
}

/** A plain object: not an array, a Date or null (`qs` and GraphQL may give prototype-less objects). */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
