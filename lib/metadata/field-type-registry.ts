import { BootstrapError } from '../errors/index.js';
import { BUILT_IN_FIELD_TYPES } from './built-in-field-types.js';
import type { FieldTypeDefinition, GraphQLScalarHint } from './field-type-definition.js';

/**
 * The scalar field types by name: the built-in ones and those plugins registered. Everything that
 * depends on a scalar kind (validation, columns, filters, JSON Schema, GraphQL) reads it here, so a
 * new kind is one `registerFieldType` call. Enums, nested objects and arrays are structural: the
 * builder makes them, and they are not in the registry.
 *
 * Registration happens before bootstrap (models are built first, before any plugin's `configure`),
 * at module level or in a plugin's factory; the registry is process-wide and only grows.
 */
const registry = new Map<string, FieldTypeDefinition>();
const STRUCTURAL_KINDS = ['enum', 'object', 'array'];
const NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const GRAPHQL_HINTS: readonly GraphQLScalarHint[] = ['String', 'Float', 'Int', 'Boolean', 'DateTime', 'JSON'];

/**
 * Adds a scalar field type. Call it before `bootstrap` (at module level, or in your plugin's factory
 * function), not in `configure`: models are built before plugins configure. Registering the same
 * definition again does nothing; another definition under a taken name is an error.
 * @example registerFieldType({ name: 'slug', validate: (value) => …, schema: { output: { type: 'string' } }, graphql: 'String' });
 */
export function registerFieldType(definition: FieldTypeDefinition): void {
  const problems = definitionProblems(definition);
  if (problems.length > 0) throw new BootstrapError(problems);
  const known = registry.get(definition.name);
  if (known === definition) return;
  if (known) throw new BootstrapError([`registerFieldType: a field type named "${definition.name}" is registered already; choose another name`]);
  registry.set(definition.name, freeze(definition));
}

/** The scalar field type called `kind`, or undefined (for enum, object, array and unknown names). */
export function fieldTypeOf(kind: string): FieldTypeDefinition | undefined {
  return registry.get(kind);
}

/** The scalar field type a class stands for (`String` → string, `Date` → date), or undefined. */
export function fieldTypeOfClass(target: unknown): FieldTypeDefinition | undefined {
  for (const definition of registry.values()) if (definition.classes?.includes(target as Function)) return definition;
  return undefined;
}

/** Names of the scalar field types that can be `@Indexed`, in registration order. */
export function indexableFieldTypeNames(): string[] {
  return [...registry.values()].filter((definition) => definition.index).map((definition) => definition.name);
}

function definitionProblems(definition: FieldTypeDefinition): string[] {
  const name = typeof definition?.name === 'string' ? definition.name : '';
  const where = `registerFieldType(${JSON.stringify(definition?.name ?? null)})`;
  const problems: string[] = [];
  if (!NAME.test(name)) problems.push(`${where}: the name must start with a letter and hold only letters, digits and _`);
  if (STRUCTURAL_KINDS.includes(name)) problems.push(`${where}: enum, object and array are built into Strata; choose another name`);
  if (definition?.classes?.some((target) => target === Object || target === Array)) {
    problems.push(`${where}: classes cannot hold Object or Array: they mean any JSON value and arrays`);
  }
  if (typeof definition?.validate !== 'function') problems.push(`${where}: validate must be a function`);
  if (!isObject(definition?.schema?.output)) problems.push(`${where}: schema.output must be a JSON Schema object`);
  if (!GRAPHQL_HINTS.includes(definition?.graphql)) problems.push(`${where}: graphql must be one of ${GRAPHQL_HINTS.join(', ')}`);
  const index = definition?.index;
  if (index !== undefined) {
    if (typeof index.column?.sqlite !== 'string' || typeof index.column?.postgresql !== 'string') problems.push(`${where}: index.column must give a column type for sqlite and postgresql`);
    if (typeof index.coerce !== 'function') problems.push(`${where}: index.coerce must be a function`);
    if (typeof index.expected !== 'string') problems.push(`${where}: index.expected must say what a filter value is, e.g. 'a slug'`);
    if (!isObject(index.filterSchema)) problems.push(`${where}: index.filterSchema must be a JSON Schema object`);
  }
  return problems;
}

function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Freezes a definition and the plain data in it (schemas, columns); functions and classes stay as they are. */
function freeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) freeze(child);
  }
  return value;
}

for (const definition of BUILT_IN_FIELD_TYPES) registerFieldType(definition);
