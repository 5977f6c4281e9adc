import { getMetadataStorage } from 'class-validator';
import type { FieldArgs } from './args.js';
import type { FieldTypeDefinition } from './field-type-definition.js';
import { fieldTypeOf, fieldTypeOfClass } from './field-type-registry.js';
import type { FieldKind, FieldType, ScalarKind } from './model.js';

/**
 * The one place that reads `design:type`. `design:type` loses array element types, optionality,
 * int vs float and unions, so `@Field` wins, class-validator metadata comes next and `design:type` last.
 */

/** What class-validator says about one property. */
export interface ValidatorFacts {
  optional: boolean;
  kind?: FieldKind;
  itemKind?: FieldKind;
  enumValues?: readonly (string | number)[];
  enumObject?: object;
  nested: boolean;
  /** Names of every class-validator decorator on the property (`isEmail`, `length` …). */
  constraints: string[];
}

const STRING_CONSTRAINTS = new Set([
  'isString', 'isEmail', 'isUrl', 'isUUID', 'length', 'minLength', 'maxLength', 'matches', 'isAlpha',
  'isAlphanumeric', 'isAscii', 'isLowercase', 'isUppercase', 'isHexColor', 'isIP', 'isMobilePhone',
  'isPhoneNumber', 'contains', 'notContains', 'isJSON', 'isJWT', 'isSemVer', 'isMongoId', 'isSlug',
]);
const KIND_BY_CONSTRAINT: Record<string, FieldKind> = {
  isInt: 'integer', isNumber: 'number', isPositive: 'number', isNegative: 'number', isDivisibleBy: 'number',
  isBoolean: 'boolean', isDate: 'date', isDateString: 'date', isISO8601: 'date', isIso8601: 'date', isObject: 'json', isArray: 'array',
};

/** Reads class-validator's metadata for `property` of `target` (inherited rules included). */
export function readValidatorFacts(target: Function, property: string): ValidatorFacts {
  const metadatas = getMetadataStorage().getTargetValidationMetadatas(target, '', true, false)
    .filter((metadata) => metadata.propertyName === property);
  const facts: ValidatorFacts = { optional: false, nested: false, constraints: [] };
  for (const metadata of metadatas) {
    const name = metadata.name ?? metadata.type;
    facts.constraints.push(name);
    if (name === 'isOptional') { facts.optional = true; continue; }
    if (metadata.type === 'nestedValidation') { facts.nested = true; continue; }
    let kind: FieldKind | undefined = KIND_BY_CONSTRAINT[name] ?? (STRING_CONSTRAINTS.has(name) ? 'string' : undefined);
    if (name === 'isEnum' || name === 'isIn') {
      kind = 'enum';
      const values = name === 'isEnum' ? enumValues(metadata.constraints?.[0] as object) : metadata.constraints?.[0] as (string | number)[];
      facts.enumValues = values;
      if (name === 'isEnum') facts.enumObject = metadata.constraints?.[0] as object;
    }
    if (!kind) continue;
    if (metadata.each) facts.itemKind ??= kind;
    else if (kind !== 'number' || facts.kind !== 'integer') facts.kind = facts.kind === 'array' ? 'array' : kind;
  }
  if (facts.itemKind && !facts.kind) facts.kind = 'array';
  return facts;
}

/** Properties class-validator has rules for, in declaration order, without repeats. */
export function validatedProperties(target: Function): string[] {
  const names = getMetadataStorage().getTargetValidationMetadatas(target, '', true, false).map((metadata) => metadata.propertyName);
  return [...new Set(names)];
}

/** The values of a TypeScript enum object (numeric enums' reverse mappings left out). */
export function enumValues(enumObject: object): (string | number)[] {
  const entries = Object.entries(enumObject);
  return entries.filter(([key]) => !/^\d+$/.test(key)).map(([, value]) => value as string | number);
}

/** `design:type` of `property`, or undefined when the compiler emitted none. */
export function designType(target: Function, property: string): unknown {
  return Reflect.getMetadata('design:type', target.prototype, property);
}

/** True when the reflect-metadata polyfill is loaded. */
export function hasReflectMetadata(): boolean {
  return typeof (Reflect as { getMetadata?: unknown }).getMetadata === 'function';
}

/** A resolved type, or a reason it could not be resolved (phrased as the fix). */
export type TypeResolution = { type: FieldType; nestedClass?: undefined } | { type?: undefined; nestedClass: Function } | { problem: string };

type ResolveNested = (target: Function) => FieldType | { problem: string };

/** Resolves a `@Field` type argument: a name, a constructor, an enum object, or `[X]`. */
export function typeFromFieldArg(arg: FieldArgs['type'], resolveNested: ResolveNested): FieldType | { problem: string } {
  const value = typeof arg === 'function' ? arg() : arg;
  return typeFromValue(value, resolveNested);
}

/** The field type of a registered scalar kind (a plugin's kind is a name outside `ScalarKind`'s built-in list). */
function scalarType(definition: FieldTypeDefinition): FieldType {
  return { kind: definition.name as ScalarKind };
}

function typeFromValue(value: unknown, resolveNested: ResolveNested): FieldType | { problem: string } {
  if (Array.isArray(value)) {
    if (value.length !== 1) return { problem: 'write the element type as a one-element array, e.g. @Field(() => [String])' };
    const items = typeFromValue(value[0], resolveNested);
    return 'problem' in items ? items : { kind: 'array', items };
  }
  // In @Field, Object means any JSON value (in design:type it means the type is unknown).
  if (value === Object) return { kind: 'json' };
  const scalar = typeof value === 'string' ? fieldTypeOf(value) : fieldTypeOfClass(value);
  if (scalar) return scalarType(scalar);
  if (typeof value === 'string') {
    return { problem: `"${value}" is not a field type: give 'string', 'number', 'integer', 'boolean', 'date', 'json', or the name of a type registered with registerFieldType before bootstrap` };
  }
  if (typeof value === 'function') return resolveNested(value);
  if (value && typeof value === 'object') {
    const values = enumValues(value);
    if (values.length > 0) return { kind: 'enum', values, enumObject: value };
  }
  return { problem: 'give @Field a type it understands: String, Number, Boolean, Date, Object, \'integer\', \'json\', an enum, a class or [Type]' };
}

/**
 * Resolves the type of one property from class-validator facts and `design:type`
 * (called when `@Field` gave no type).
 */
export function typeFromMetadata(target: Function, property: string, facts: ValidatorFacts, resolveNested: ResolveNested): FieldType | { problem: string } {
  const reflected = designType(target, property);
  if (facts.kind === 'enum') return { kind: 'enum', values: facts.enumValues ?? [], enumObject: facts.enumObject };
  if (facts.kind === 'array') {
    if (facts.itemKind && facts.itemKind !== 'array') {
      return { kind: 'array', items: facts.itemKind === 'enum' ? { kind: 'enum', values: facts.enumValues ?? [] } : { kind: facts.itemKind } as FieldType };
    }
    return { problem: 'its element type is unknown: add @Field(() => [ElementType]) or a validator with { each: true }' };
  }
  if (facts.kind === 'number' && reflected === Number) return { kind: 'number' };
  if (facts.kind) return { kind: facts.kind } as FieldType;
  const scalar = fieldTypeOfClass(reflected);
  if (scalar) return scalarType(scalar);
  if (reflected === Array) return { problem: 'its element type is unknown: add @Field(() => [ElementType])' };
  if (typeof reflected === 'function' && reflected !== Object && reflected !== Function) return resolveNested(reflected);
  return { problem: 'its type cannot be determined (a union, interface or `any`): add @Field(() => Type) or @Field(\'json\')' };
}
