import { targetConstructorToSchema } from 'class-validator-jsonschema';
import { toJsonSchema2020 } from './json-schema.js';
import type { SchemaObject } from './types.js';

/**
 * Validation keywords taken over from class-validator-jsonschema. Types, enums and nesting come from
 * the ResourceModel instead (it knows int vs float, dates and optionality better); `not`, `oneOf`
 * and `anyOf` are left out because their negations would also reject `null` on nullable fields.
 */
const CONSTRAINT_KEYWORDS = [
  'minLength', 'maxLength', 'pattern', 'format', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum',
  'multipleOf', 'minItems', 'maxItems', 'uniqueItems', 'minProperties', 'maxProperties',
];

/** Formats every JSON Schema tool knows (2020-12 and the OpenAPI format registry); others are dropped. */
const STANDARD_FORMATS = new Set(['email', 'hostname', 'ipv4', 'ipv6', 'uri', 'uri-reference', 'uuid', 'date-time', 'date', 'time']);

/** The constraints class-validator enforces on one property, and on each element of an array property. */
export interface PropertyConstraints {
  /** Keywords for the value itself (`minLength`, `format` …). */
  readonly own: SchemaObject;
  /** Keywords for every element (validators with `{ each: true }`). */
  readonly items: SchemaObject;
  /** True when the property has `@ValidateNested()`, so the nested class's rules are enforced too. */
  readonly validatesNested: boolean;
}

const NO_CONSTRAINTS: PropertyConstraints = Object.freeze({ own: {}, items: {}, validatesNested: false });

/**
 * Reads the class-validator rules of a class through class-validator-jsonschema's
 * `targetConstructorToSchema` (inherited rules included) and returns, per property, the JSON
 * Schema keywords that express them.
 * @example classConstraints(User).get('email')?.own // { format: 'email' }
 */
export function classConstraints(target: Function): ReadonlyMap<string, PropertyConstraints> {
  const schema = toJsonSchema2020(targetConstructorToSchema(target as never) as SchemaObject);
  const properties = (schema.properties ?? {}) as Record<string, SchemaObject>;
  const constraints = new Map<string, PropertyConstraints>();
  for (const [name, property] of Object.entries(properties)) {
    const items = (property.items ?? {}) as SchemaObject;
    constraints.set(name, {
      own: pickConstraints(property),
      items: pickConstraints(items),
      validatesNested: typeof property.$ref === 'string' || typeof items.$ref === 'string',
    });
  }
  return constraints;
}

/** The constraints of `property` in `constraints`, or none. */
export function constraintsOf(constraints: ReadonlyMap<string, PropertyConstraints>, property: string): PropertyConstraints {
  return constraints.get(property) ?? NO_CONSTRAINTS;
}

function pickConstraints(schema: SchemaObject): SchemaObject {
  const picked: SchemaObject = {};
  for (const keyword of CONSTRAINT_KEYWORDS) {
    if (schema[keyword] === undefined) continue;
    if (keyword === 'format' && !STANDARD_FORMATS.has(String(schema.format))) continue;
    picked[keyword] = schema[keyword];
  }
  return picked;
}
