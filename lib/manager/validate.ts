import { validate, type ValidationError } from 'class-validator';
import { StrataError, type ErrorDetail } from '../errors/index.js';
import type { FieldModel, FieldType, ResourceModel } from '../metadata/model.js';
import { RESERVED_PROPERTIES } from '../metadata/builder.js';
import { designType, readValidatorFacts } from '../metadata/field-types.js';
import { fieldTypeOf } from '../metadata/field-type-registry.js';

/**
 * Longest indexed string value, in UTF-8 bytes: PostgreSQL's B-tree entries hold at most 2,704
 * bytes, and every backend keeps the same limit so data moves between them.
 */
export const MAX_INDEXED_BYTES = 2000;

/** Keys that could reach Object.prototype if data were ever merged naively; never accepted. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Throws VALIDATION_FAILED when `value` holds a `__proto__`, `constructor` or `prototype` key at any depth. */
export function rejectForbiddenKeys(value: unknown, path = ''): void {
  if (Array.isArray(value)) {
    value.forEach((item, index) => rejectForbiddenKeys(item, `${path}[${index}]`));
  } else if (value && typeof value === 'object') {
    for (const key of Object.keys(value)) {
      const here = path ? `${path}.${key}` : key;
      if (FORBIDDEN_KEYS.has(key)) throw StrataError.validation([{ path: here, message: `${here} is not allowed`, constraint: 'forbiddenKey' }]);
      rejectForbiddenKeys((value as Record<string, unknown>)[key], here);
    }
  }
}

/**
 * Checks a full resource body against the model: shape and types first (unknown and reserved
 * properties, required fields, kinds), then the class-validator rules. Returns the data to store
 * (dates normalized to ISO-8601 UTC) or throws VALIDATION_FAILED with every problem.
 */
export async function validateData(model: ResourceModel, body: unknown): Promise<Record<string, unknown>> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw StrataError.validation([{ path: '', message: `a ${model.name} must be a JSON object`, constraint: 'isObject' }]);
  }
  rejectForbiddenKeys(body);
  const errors: ErrorDetail[] = [];
  const data = checkObject(model.fields, body as Record<string, unknown>, '', errors, model.name);
  const badPaths = new Set(errors.map((error) => error.path));
  // class-validator runs even after a shape error so every problem is reported at once; a path that
  // already failed its type check keeps only that message.
  const instance = toInstance(model.target, model.fields, data);
  const failures = await validate(instance, { forbidUnknownValues: false, validationError: { target: false, value: false } });
  for (const detail of flattenValidationErrors(failures, '')) if (!badPaths.has(detail.path)) errors.push(detail);
  if (errors.length > 0) throw StrataError.validation(errors);
  return data;
}

function checkObject(fields: readonly FieldModel[], body: Record<string, unknown>, prefix: string, errors: ErrorDetail[], owner: string): Record<string, unknown> {
  const known = new Map(fields.map((field) => [field.name, field]));
  const data: Record<string, unknown> = {};
  for (const key of Object.keys(body)) {
    const path = prefix + key;
    if (!known.has(key)) {
      const reserved = !prefix && (RESERVED_PROPERTIES.includes(key) || key.startsWith('_'));
      errors.push(reserved
        ? { path, message: `${path} is managed by Strata and cannot be written`, constraint: 'reserved' }
        : { path, message: `${path} is not a field of ${owner}`, constraint: 'whitelist' });
    }
  }
  for (const field of fields) {
    const path = prefix + field.name;
    const value = body[field.name];
    if (field.indexed && typeof value === 'string' && Buffer.byteLength(value) > MAX_INDEXED_BYTES) {
      errors.push({ path, message: `${path} is indexed and must be at most ${MAX_INDEXED_BYTES} bytes of UTF-8`, constraint: 'indexedLength' });
      continue;
    }
    if (value === undefined) {
      if (!field.optional) errors.push({ path, message: `${path} is required`, constraint: 'isDefined' });
      continue;
    }
    if (value === null) {
      if (field.nullable || field.optional) data[field.name] = null;
      else errors.push({ path, message: `${path} must not be null`, constraint: 'isDefined' });
      continue;
    }
    const checked = checkValue(field.type, value, path, errors);
    if (checked !== undefined) data[field.name] = checked;
  }
  return data;
}

function checkValue(type: FieldType, value: unknown, path: string, errors: ErrorDetail[]): unknown {
  const fail = (message: string, constraint: string) => { errors.push({ path, message: `${path} ${message}`, constraint }); return undefined; };
  switch (type.kind) {
    case 'enum': return type.values.includes(value as string) ? value : fail(`must be one of: ${type.values.join(', ')}`, 'isEnum');
    case 'array': {
      if (!Array.isArray(value)) return fail('must be an array', 'isArray');
      const nullItems = Boolean(fieldTypeOf(type.items.kind)?.nullItems);
      return value.map((item, index) => item === null && !nullItems
        ? fail(`[${index}] must not be null`, 'isDefined')
        : checkValue(type.items, item, `${path}[${index}]`, errors));
    }
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value)) return fail('must be an object', 'isObject');
      return checkObject(type.fields, value as Record<string, unknown>, `${path}.`, errors, type.target.name);
    }
    default: {
      // A scalar kind: the builder only makes registered ones.
      const checked = fieldTypeOf(type.kind)!.validate(value);
      return 'problem' in checked ? fail(checked.problem, checked.constraint) : checked.value;
    }
  }
}

/** Builds an instance of the resource class (nested classes too) so class-validator sees its rules. */
function toInstance(target: Function, fields: readonly FieldModel[], data: Record<string, unknown>): object {
  const instance = Object.create(target.prototype) as Record<string, unknown>;
  for (const field of fields) {
    const value = data[field.name];
    instance[field.name] = convertForValidator(field.type, value, validatesAsDate(target, field.name));
  }
  return instance;
}

/** Dates reach class-validator as `Date` objects only where the class wants them (`@IsDateString` checks the ISO string). */
function convertForValidator(type: FieldType, value: unknown, asDate: boolean): unknown {
  if (value === null || value === undefined) return value;
  if (type.kind === 'date' && typeof value === 'string') return asDate ? new Date(value) : value;
  if (type.kind === 'object' && typeof value === 'object') return toInstance(type.target, type.fields, value as Record<string, unknown>);
  if (type.kind === 'array' && Array.isArray(value)) return value.map((item) => convertForValidator(type.items, item, asDate));
  return value;
}

const dateProperties = new WeakMap<Function, Map<string, boolean>>();

/** True when `property` is declared as `Date` or has `@IsDate()`; otherwise its validators get the ISO string. */
function validatesAsDate(target: Function, property: string): boolean {
  let known = dateProperties.get(target);
  if (!known) dateProperties.set(target, known = new Map());
  let asDate = known.get(property);
  if (asDate === undefined) {
    asDate = designType(target, property) === Date || readValidatorFacts(target, property).constraints.includes('isDate');
    known.set(property, asDate);
  }
  return asDate;
}

function flattenValidationErrors(failures: ValidationError[], prefix: string): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  for (const failure of failures) {
    const path = /^\d+$/.test(failure.property) ? `${prefix.replace(/\.$/, '')}[${failure.property}]` : prefix + failure.property;
    for (const [constraint, message] of Object.entries(failure.constraints ?? {})) {
      details.push({ path, message: message.replace(new RegExp(`^${failure.property}\\b`), path), constraint });
    }
    if (failure.children?.length) details.push(...flattenValidationErrors(failure.children, `${path}.`));
  }
  return details;
}
