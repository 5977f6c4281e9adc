import { INDEX_NORMALIZATIONS } from './normalize.js';
import { v7 as uuidv7 } from 'uuid';
import { readArgs } from './args-store.js';
import type { ClassArgs, FieldArgs } from './args.js';
import { hasReflectMetadata, designType, readValidatorFacts, typeFromFieldArg, typeFromMetadata, validatedProperties } from './field-types.js';
import { fieldTypeOf, indexableFieldTypeNames } from './field-type-registry.js';
import type { FieldModel, FieldType, ResourceModel, ResourceNames } from './model.js';
import { buildJobModel } from './job-builder.js';
import { kebabCase, lowerFirst, pluralize, snakeCase } from './naming.js';

/** Property names Strata uses itself. Any name beginning with `_` is reserved too. */
export const RESERVED_PROPERTIES = ['id', '_meta', '_job'];
const PROPERTY_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/** The result of building: frozen models, plus every problem found (empty when all is well). */
export interface BuildResult {
  models: ResourceModel[];
  problems: string[];
}

/**
 * Turns what the decorators recorded into one frozen `ResourceModel` per class, collecting every
 * problem (each naming `Class.property` and the fix) instead of stopping at the first.
 */
export function buildModels(classes: readonly Function[], systemClasses: readonly Function[] = []): BuildResult {
  const problems: string[] = [];
  if (!hasReflectMetadata()) {
    return { models: [], problems: ['Reflect.getMetadata is missing: add `import \'reflect-metadata\';` once, before your resources are imported'] };
  }
  const models: ResourceModel[] = [];
  for (const [index, target] of classes.entries()) {
    if (typeof target === 'function' && classes.indexOf(target) !== index) {
      problems.push(`${target.name}: listed more than once in resources; list it once`);
      continue;
    }
    const model = buildModel(target, classes, problems);
    if (model) models.push(model);
  }
  reportDuplicates(models, problems, systemClasses);
  return { models, problems };
}

function buildModel(target: Function, classes: readonly Function[], problems: string[]): ResourceModel | undefined {
  if (typeof target !== 'function') {
    problems.push(`resources: ${String(target)} is not a class; list the resource classes themselves`);
    return undefined;
  }
  const args = readArgs(target);
  if (!args?.resource) {
    problems.push(`${target.name}: not a resource; decorate it with @Resource()`);
    return undefined;
  }
  const className = target.name;
  const properties = collectProperties(target, args);
  if (properties.length > 0 && properties.every((property) => designType(target, property) === undefined)) {
    problems.push(`${className}: no design:type metadata was emitted; set "emitDecoratorMetadata": true and "experimentalDecorators": true in tsconfig.json and build with tsc (esbuild-based runners drop it)`);
    // Every field would fail for the same reason; one problem with the real fix says it better.
    return undefined;
  }
  const fields: FieldModel[] = [];
  const columns = new Map<string, string>();
  for (const property of properties) {
    const field = buildField(target, property, args, classes, problems, new Set([target]));
    if (!field) continue;
    if (field.column === 'id') {
      problems.push(`${className}.${property}: its column "id" is the resource id's column; rename the property`);
    } else if (field.column) {
      const clash = columns.get(field.column);
      if (clash) problems.push(`${className}.${property}: its column "${field.column}" clashes with ${className}.${clash}; rename one of them`);
      columns.set(field.column, property);
    }
    fields.push(field);
  }
  const versioning = buildVersioning(className, args, problems);
  const job = args.job ? buildJobModel(className, args.job, fields, versioning.drafts, problems) : undefined;
  const name = args.resource.name ?? className;
  if (!PROPERTY_NAME.test(name)) problems.push(`${className}: resource name "${name}" must start with a letter and hold only letters, digits and _; change @Resource({ name })`);
  return deepFreeze({
    target,
    name,
    names: buildNames(name, args.resource.path),
    description: args.resource.description,
    generateId: args.resource.id ?? (() => uuidv7()),
    fields,
    fieldsByName: new Map(fields.map((field) => [field.name, field])),
    indexedFields: fields.filter((field) => field.indexed),
    textFields: fields.filter((field) => field.text),
    versioning,
    ...(job ? { job } : {}),
  });
}

/** Every decorated property: Strata's decorators first, then class-validator's, in declaration order. */
function collectProperties(target: Function, args: ClassArgs): string[] {
  const properties = [...args.order];
  for (const property of validatedProperties(target)) if (!properties.includes(property)) properties.push(property);
  return properties;
}

function buildField(target: Function, property: string, args: ClassArgs | undefined, classes: readonly Function[], problems: string[], visiting: Set<Function>): FieldModel | undefined {
  const where = `${target.name}.${property}`;
  if (RESERVED_PROPERTIES.includes(property) || property.startsWith('_')) {
    problems.push(`${where}: "${property}" is reserved (id, _meta, _job and names beginning with _ belong to Strata); rename the property`);
    return undefined;
  }
  if (!PROPERTY_NAME.test(property)) {
    problems.push(`${where}: property names must start with a letter and hold only letters, digits and _; rename it`);
    return undefined;
  }
  const facts = readValidatorFacts(target, property);
  const fieldArgs: FieldArgs | undefined = args?.fields.get(property);
  const refArgs = args?.refs.get(property);
  const indexedArgs = args?.indexed.get(property);
  const resolveNested = (nested: Function): FieldType | { problem: string } => {
    if (classes.includes(nested) || readArgs(nested)?.resource) return { problem: `it holds a resource class; point at it with @Ref(() => ${nested.name}) and an id field` };
    if (visiting.has(nested)) return { problem: `${nested.name} contains itself; store it as @Field('json')` };
    if (nestedProperties(nested).length === 0) {
      return { problem: `${nested.name} has no decorated properties, so nothing of it would be stored; decorate its properties (e.g. @IsString()) or use @Field('json')` };
    }
    const nestedFields = nestedClassFields(nested, classes, problems, new Set([...visiting, nested]));
    return { kind: 'object', target: nested, fields: nestedFields };
  };
  let resolved: FieldType | { problem: string };
  if (refArgs) resolved = refType(target, property);
  else if (fieldArgs?.type !== undefined) resolved = typeFromFieldArg(fieldArgs.type, resolveNested);
  else resolved = typeFromMetadata(target, property, facts, resolveNested);
  if ('problem' in resolved) {
    problems.push(`${where}: ${resolved.problem}`);
    return undefined;
  }
  const type = resolved;
  const indexed = Boolean(indexedArgs) || Boolean(refArgs);
  if (indexed && type.kind !== 'enum' && !fieldTypeOf(type.kind)?.index) {
    problems.push(`${where}: @Indexed needs a single value (${indexableFieldTypeNames().join(', ')} or enum), not ${type.kind}; remove @Indexed or store a scalar`);
  }
  if (indexedArgs?.normalize !== undefined && (type.kind !== 'string' || !INDEX_NORMALIZATIONS.includes(indexedArgs.normalize))) {
    problems.push(`${where}: @Indexed({ normalize }) takes ${INDEX_NORMALIZATIONS.map((name) => `'${name}'`).join(', ')} on a string field; got ${JSON.stringify(indexedArgs.normalize)} on ${type.kind}`);
  }
  if (indexedArgs?.text && type.kind !== 'string') {
    problems.push(`${where}: @Indexed({ text: true }) needs a string field; remove text: true or make it a string`);
  }
  let ref: FieldModel['ref'];
  if (refArgs) {
    const refTarget = refArgs.target();
    if (!classes.includes(refTarget)) {
      problems.push(`${where}: @Ref points at ${refTarget?.name ?? String(refTarget)}, which is not in bootstrap's resources; add it to resources`);
    }
    const onDelete = refArgs.options.onDelete ?? 'restrict';
    if (!['restrict', 'cascade', 'setNull'].includes(onDelete)) {
      problems.push(`${where}: @Ref onDelete must be 'restrict', 'cascade' or 'setNull', got ${JSON.stringify(onDelete)}`);
    }
    const optional = facts.optional || Boolean(refArgs.options.optional);
    if (onDelete === 'setNull' && !optional) {
      problems.push(`${where}: @Ref onDelete 'setNull' clears the field, so it must be optional; add @IsOptional() or { optional: true }`);
    }
    ref = { target: refTarget, onDelete };
  }
  return {
    name: property,
    type,
    optional: facts.optional || Boolean(fieldArgs?.options.optional) || Boolean(refArgs?.options.optional),
    nullable: Boolean(fieldArgs?.options.nullable) || facts.optional || Boolean(refArgs?.options.optional),
    description: fieldArgs?.options.description,
    indexed,
    unique: Boolean(indexedArgs?.unique),
    text: Boolean(indexedArgs?.text),
    ...(indexedArgs?.normalize !== undefined ? { normalize: indexedArgs.normalize } : {}),
    column: indexed ? snakeCase(property) : undefined,
    ref,
  };
}

/** A `@Ref` holds one id, which is a string; anything else `design:type` shows is a mistake. */
function refType(target: Function, property: string): FieldType | { problem: string } {
  const reflected = designType(target, property);
  if (reflected === String || reflected === undefined) return { kind: 'string' };
  return { problem: '@Ref stores one id, a string; declare the property as `string`' };
}

/** Every decorated property of a nested class, by Strata's decorators or class-validator's. */
function nestedProperties(nested: Function): string[] {
  const args = readArgs(nested);
  return args ? collectProperties(nested, args) : validatedProperties(nested);
}

/** Fields of a nested (non-resource) class, described by the same decorators. */
function nestedClassFields(nested: Function, classes: readonly Function[], problems: string[], visiting: Set<Function>): FieldModel[] {
  const args = readArgs(nested);
  const fields: FieldModel[] = [];
  for (const property of nestedProperties(nested)) {
    const field = buildField(nested, property, args, classes, problems, visiting);
    if (!field) continue;
    if (field.indexed) problems.push(`${nested.name}.${property}: @Indexed works on resource fields only, not inside nested classes; remove it`);
    fields.push({ ...field, indexed: false, unique: false, text: false, column: undefined });
  }
  return fields;
}

function buildVersioning(className: string, args: ClassArgs, problems: string[]): ResourceModel['versioning'] {
  const options = args.versioned ?? {};
  const schemaVersion = options.schemaVersion ?? 1;
  if (!Number.isInteger(schemaVersion) || schemaVersion < 1) {
    problems.push(`${className}: @Versioned schemaVersion must be a whole number of at least 1, got ${String(options.schemaVersion)}`);
  }
  if (options.retain !== undefined && (!Number.isInteger(options.retain) || options.retain < 1)) {
    problems.push(`${className}: @Versioned retain must be a whole number of at least 1 (or left out to keep every revision), got ${String(options.retain)}`);
  }
  const migrations = options.migrations ?? {};
  for (let version = 2; version <= schemaVersion; version++) {
    if (typeof migrations[version] !== 'function') {
      problems.push(`${className}: @Versioned schemaVersion is ${schemaVersion} but migrations[${version}] (from ${version - 1} to ${version}) is missing; add it`);
    }
  }
  for (const key of Object.keys(migrations)) {
    const version = Number(key);
    if (!Number.isInteger(version) || version < 2 || version > schemaVersion) {
      problems.push(`${className}: @Versioned migrations[${key}] does not fit schemaVersion ${schemaVersion}; keys run from 2 to schemaVersion`);
    }
  }
  return { drafts: Boolean(options.drafts), retain: options.retain, schemaVersion, migrations };
}

function buildNames(name: string, path: string | undefined): ResourceNames {
  const plural = pluralize(name);
  const one = lowerFirst(name);
  return {
    singular: name,
    path: (path ?? kebabCase(plural)).replace(/^\/+|\/+$/g, ''),
    table: `${snakeCase(plural)}_meta`,
    graphql: {
      one, many: lowerFirst(plural), type: name, input: `${name}Input`, patch: `${name}Patch`,
      where: `${name}Where`, sort: `${name}Sort`, page: `${name}Page`,
    },
  };
}

function reportDuplicates(models: ResourceModel[], problems: string[], systemClasses: readonly Function[]): void {
  const checks: [string, (model: ResourceModel) => string][] = [
    ['name', (model) => model.name], ['path', (model) => model.names.path], ['table', (model) => model.names.table],
  ];
  for (const [what, key] of checks) {
    const seen = new Map<string, string>();
    for (const model of models) {
      const value = key(model);
      const other = seen.get(value);
      if (other) problems.push(`${model.target.name}: its ${what} "${value}" is already used by ${other}; set @Resource({ ${what === 'table' ? 'name' : what}: … }) on one of them`);
      else seen.set(value, model.target.name);
    }
  }
  for (const model of models) {
    const first = model.names.path.split('/')[0];
    // A plugin's own resources (webhooks at /_webhooks, say) live under Strata's /_ paths.
    const system = systemClasses.includes(model.target);
    if (system && first.startsWith('_') && /^_[a-z0-9][a-z0-9\-_]*$/.test(first)) continue;
    if (STRATA_PATHS.includes(first) || first.startsWith('_')) {
      problems.push(`${model.target.name}: path "/${model.names.path}" is served by Strata itself (${STRATA_PATHS.map((path) => `/${path}`).join(', ')} and every path beginning with /_); choose another with @Resource({ path })`);
    } else if (!/^[a-z0-9][a-z0-9\-_/]*$/.test(model.names.path)) {
      problems.push(`${model.target.name}: path "${model.names.path}" must be lowercase letters, digits, - and _; change @Resource({ path })`);
    }
  }
}

/** First path segments Strata serves itself (docs/rest.md); paths beginning with `_` are Strata's too. */
const STRATA_PATHS = ['docs', 'openapi.json', 'graphql', 'admin', 'mcp'];

/** Objects the user owns (enum objects, migrations) are referenced, never frozen. */
const USER_OWNED_KEYS = new Set(['enumObject', 'migrations']);

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value) && !(value instanceof Map)) {
    Object.freeze(value);
    for (const [key, child] of Object.entries(value)) if (typeof child === 'object' && !USER_OWNED_KEYS.has(key)) deepFreeze(child);
  }
  return value;
}
