import { fieldTypeOf } from '../metadata/field-type-registry.js';
import type { FieldModel, FieldType, ResourceModel } from '../metadata/model.js';
import { withArticle } from '../metadata/naming.js';
import { policiesOf } from '../metadata/policies.js';
import { classConstraints, constraintsOf, type PropertyConstraints } from './constraints.js';
import { withNull } from './json-schema.js';
import { jobSchemas, jobStateProperty } from './job-schemas.js';
import { exportMetaSchema, exportRevisionSchema, NEXT_CURSOR } from './shared-schemas.js';
import { schemaRef, type SchemaObject } from './types.js';

/**
 * How a schema is used. `output`: what the server returns, described by type only, so data written
 * under older validation rules still conforms. `input`: a create/replace body, with every
 * class-validator constraint and no unknown properties. `patch`: a merge-patch body, all optional.
 */
type SchemaMode = 'output' | 'input' | 'patch';

/** The component schema names of one resource. */
export interface ResourceSchemaNames {
  readonly resource: string;
  readonly listItem: string;
  readonly input: string;
  readonly patch: string;
  readonly page: string;
  readonly export: string;
  readonly where: string;
  readonly query: string;
}

/** The component names of `model`: `User`, `UserInput`, `UserPatch`, `UserPage` … */
export function resourceSchemaNames(model: ResourceModel): ResourceSchemaNames {
  const name = model.name;
  return {
    resource: name, listItem: `${name}ListItem`, input: `${name}Input`, patch: `${name}Patch`, page: `${name}Page`,
    export: `${name}Export`, where: `${name}Where`, query: `${name}Query`,
  };
}

/**
 * The data schemas of one resource, from its model (types, optionality, enums, nesting) merged
 * with its class-validator rules (through class-validator-jsonschema):
 * - `<Name>`: the resource, `{ id, ...fields, _meta }`;
 * - `<Name>ListItem`: the same in lists, where `fields=` may leave fields out;
 * - `<Name>Input`: create and replace bodies; `<Name>Patch`: merge-patch bodies;
 * - `<Name>Page`: a list or search result; `<Name>Export`: one NDJSON line of `_export`/`_import`.
 */
export function resourceSchemas(model: ResourceModel): Record<string, SchemaObject> {
  const names = resourceSchemaNames(model);
  const description = model.description ? { description: model.description } : {};
  const outputFields = objectProperties(model.target, model.fields, 'output');
  // A field some roles may not read (`@Allow(roles, 'read')`) is left out of their responses, so it is never required in one.
  const masked = new Set(policiesOf(model.target).fields.filter((rule) => rule.access === 'read').map((rule) => rule.property));
  const outputRequired = outputFields.required.filter((field) => !masked.has(field));
  const resource = (requiredFields: string[]): SchemaObject => ({
    type: 'object',
    ...description,
    properties: { id: { type: 'string', description: `The id of the ${model.name}; never begins with _.` }, ...outputFields.properties, ...jobStateProperty(model), _meta: schemaRef('ResourceMeta') },
    required: ['id', ...requiredFields, '_meta'],
  });
  // Old revisions keep the data of their schema version; only the current version's shape is known.
  const revisionData = model.versioning.schemaVersion === 1
    ? { type: 'object', properties: outputFields.properties, required: outputRequired }
    : { type: 'object', description: 'The data as written, in the schema version of that revision.' };
  return {
    ...jobSchemas(model),
    [names.resource]: resource(outputRequired),
    [names.listItem]: { ...resource([]), description: `A ${model.name} in a list; \`fields=\` may leave fields out.` },
    [names.input]: { ...objectSchema(model.target, model.fields, 'input'), description: `A ${model.name} to create or replace.` },
    [names.patch]: { ...objectSchema(model.target, model.fields, 'patch'), description: `A JSON Merge Patch (RFC 7396) of ${withArticle(model.name)}: every field optional, null removes an optional field.` },
    [names.page]: {
      type: 'object',
      properties: {
        items: { type: 'array', items: schemaRef(names.listItem) },
        nextCursor: NEXT_CURSOR,
        total: { type: 'integer', minimum: 0, description: 'Every match, when `total=true` was asked for.' },
      },
      required: ['items', 'nextCursor'],
    },
    [names.export]: {
      type: 'object',
      description: `One line of ${model.name} NDJSON: a resource with its full history, as \`_export\` writes and \`_import\` reads it.`,
      properties: { id: { type: 'string' }, _meta: exportMetaSchema(), revisions: { type: 'array', minItems: 1, items: exportRevisionSchema(revisionData) } },
      required: ['id', '_meta', 'revisions'],
    },
  };
}

/**
 * An object schema of `fields` of `target` (a resource or nested class) in `mode`. `withRules` says
 * whether class-validator checks this class here (nested classes only under `@ValidateNested()`).
 */
function objectSchema(target: Function, fields: readonly FieldModel[], mode: SchemaMode, withRules = mode !== 'output'): SchemaObject {
  const { properties, required } = objectProperties(target, fields, mode, withRules);
  return {
    type: 'object',
    properties,
    ...(mode === 'input' && required.length > 0 ? { required } : {}),
    ...(mode === 'output' ? {} : { additionalProperties: false }),
  };
}

function objectProperties(target: Function, fields: readonly FieldModel[], mode: SchemaMode, withRules = mode !== 'output'): { properties: Record<string, SchemaObject>; required: string[] } {
  const constraints = withRules ? classConstraints(target) : new Map<string, PropertyConstraints>();
  const properties: Record<string, SchemaObject> = {};
  for (const field of fields) properties[field.name] = fieldSchema(field, mode, constraintsOf(constraints, field.name), withRules);
  return { properties, required: fields.filter((field) => !field.optional).map((field) => field.name) };
}

/** One field: its type, its constraints, and `null` when the field is nullable or optional (both store null). */
function fieldSchema(field: FieldModel, mode: SchemaMode, constraints: PropertyConstraints, withRules: boolean): SchemaObject {
  const schema = typeSchema(field.type, mode, constraints, withRules);
  if (takesValidatorRules(field.type)) Object.assign(schema, constraints.own);
  if (field.type.kind === 'array' && takesValidatorRules(field.type.items)) schema.items = { ...(schema.items as SchemaObject), ...constraints.items };
  const description = [field.ref ? `Id of a ${field.ref.target.name}.` : '', field.description ?? ''].filter(Boolean).join(' ');
  if (description) schema.description = description;
  return field.nullable || field.optional ? withNull(schema) : schema;
}

/** False for a scalar kind whose JSON Schema class-validator's keywords must not change (a date: its pattern is stricter than what the server accepts). */
function takesValidatorRules(type: FieldType): boolean {
  return fieldTypeOf(type.kind)?.schema.withValidatorRules ?? true;
}

function typeSchema(type: FieldType, mode: SchemaMode, constraints: PropertyConstraints, withRules: boolean): SchemaObject {
  switch (type.kind) {
    case 'enum':
      return { type: enumTypes(type.values), enum: [...type.values] };
    case 'array':
      return { type: 'array', items: typeSchema(type.items, mode, constraints, withRules) };
    case 'object':
      return { title: type.target.name, ...objectSchema(type.target, type.fields, mode, withRules && constraints.validatesNested) };
    default: {
      const { output, input } = fieldTypeOf(type.kind)!.schema;
      // A copy, since the field's constraints and description are added to it: the registry's schema is frozen and shared.
      return structuredClone(mode === 'output' ? output : input ?? output) as SchemaObject;
    }
  }
}

function enumTypes(values: readonly (string | number)[]): string | string[] {
  const types = new Set(values.map((value) => (typeof value === 'string' ? 'string' : Number.isInteger(value) ? 'integer' : 'number')));
  if (types.has('number')) types.delete('integer');
  const list = [...types];
  return list.length === 1 ? list[0] : list;
}
