import type { SchemaObject } from './types.js';

/** Keywords whose value is one subschema. */
const SUBSCHEMA_KEYWORDS = ['items', 'additionalProperties', 'not', 'contains', 'propertyNames', 'if', 'then', 'else', 'unevaluatedItems', 'unevaluatedProperties'];
/** Keywords whose value is a list of subschemas. */
const SUBSCHEMA_LIST_KEYWORDS = ['allOf', 'anyOf', 'oneOf', 'prefixItems'];
/** Keywords whose value maps names to subschemas. */
const SUBSCHEMA_MAP_KEYWORDS = ['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas'];

/**
 * Turns the OpenAPI 3.0 dialect class-validator-jsonschema writes (the class-validator rules of a
 * model, see constraints.ts) into JSON Schema 2020-12, the dialect of every Strata schema: `nullable` becomes a `null` type,
 * boolean `exclusiveMinimum`/`exclusiveMaximum` become numbers, `example` becomes `examples`, and
 * `#/definitions/X` references point at `#/components/schemas/X`. Returns a new object.
 * @example toJsonSchema2020({ type: 'string', nullable: true }) // { type: ['string', 'null'] }
 */
export function toJsonSchema2020(schema: SchemaObject): SchemaObject {
  const { nullable, example, ...rest } = schema;
  const converted: SchemaObject = {};
  for (const [keyword, value] of Object.entries(rest)) converted[keyword] = convertKeyword(keyword, value);
  for (const [bound, limit] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
    if (converted[bound] === true) {
      converted[bound] = converted[limit];
      delete converted[limit];
    } else if (converted[bound] === false) {
      delete converted[bound];
    }
  }
  if (example !== undefined && converted.examples === undefined) converted.examples = [example];
  return nullable === true ? withNull(converted) : converted;
}

/** `schema` that also accepts `null`. */
export function withNull(schema: SchemaObject): SchemaObject {
  const { type } = schema;
  if (typeof type === 'string') return { ...schema, type: type === 'null' ? 'null' : [type, 'null'], ...enumWithNull(schema) };
  if (Array.isArray(type)) return { ...schema, type: type.includes('null') ? type : [...type, 'null'], ...enumWithNull(schema) };
  // A schema that restricts neither type nor value (`{}`, `{ description }`) accepts null already.
  if (schema.$ref === undefined && schema.enum === undefined && schema.allOf === undefined && schema.oneOf === undefined) return schema;
  return { anyOf: [schema, { type: 'null' }] };
}

function enumWithNull(schema: SchemaObject): SchemaObject {
  return Array.isArray(schema.enum) && !schema.enum.includes(null) ? { enum: [...schema.enum, null] } : {};
}

function convertKeyword(keyword: string, value: unknown): unknown {
  if (keyword === '$ref' && typeof value === 'string') return value.replace(/^#\/definitions\//, '#/components/schemas/');
  if (SUBSCHEMA_KEYWORDS.includes(keyword) && isSchema(value)) return toJsonSchema2020(value);
  if (SUBSCHEMA_LIST_KEYWORDS.includes(keyword) && Array.isArray(value)) return value.map((item) => (isSchema(item) ? toJsonSchema2020(item) : item));
  if (SUBSCHEMA_MAP_KEYWORDS.includes(keyword) && isSchema(value)) {
    return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, isSchema(item) ? toJsonSchema2020(item) : item]));
  }
  return value;
}

function isSchema(value: unknown): value is SchemaObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
