import { fieldTypeOf } from '../metadata/field-type-registry.js';
import type { ResourceModel } from '../metadata/model.js';
import { jobQueryFields, operatorsFor, queryableFields, type QueryableField, type QueryLimits } from '../query/index.js';
import { withNull } from './json-schema.js';
import type { ResourceSchemaNames } from './resource-schemas.js';
import { schemaRef, type ParameterSchema, type SchemaObject } from './types.js';

const AS_OF: SchemaObject = { type: 'string', format: 'date-time', description: 'Search the state at this moment instead of the current one (docs/history.md: filters and sorts then scan instead of using indexes; not with q).' };
const DELETED: SchemaObject = { type: 'string', enum: ['exclude', 'include', 'only'], default: 'exclude', description: 'Whether soft-deleted resources are left out (default), included, or the only ones.' };

/**
 * The search schemas of one resource (docs/search.md): `<Name>Where`, the filter tree over
 * the fields that may be filtered (`id`, `@Indexed` fields, `_meta.*`) with the operators each
 * kind takes, and `<Name>Query`, the `_search` body.
 */
export function querySchemas(model: ResourceModel, names: ResourceSchemaNames, limits: QueryLimits): Record<string, SchemaObject> {
  const fields = [...queryableFields(model, jobQueryFields(model)).values()];
  const where: SchemaObject = {
    type: 'object',
    description: `A filter on ${model.name}: every test must hold. A bare value means eq, null means isNull.`,
    properties: {
      ...Object.fromEntries(fields.map((field) => [field.name, fieldFilter(field)])),
      and: { type: 'array', items: schemaRef(names.where), description: 'All of these filters hold.' },
      or: { type: 'array', items: schemaRef(names.where), description: 'At least one of these filters holds.' },
      not: { ...schemaRef(names.where), description: 'This filter does not hold.' },
    },
    additionalProperties: false,
  };
  const query: SchemaObject = {
    type: 'object',
    description: `A ${model.name} search, as the query string of GET /${model.names.path} takes it.`,
    properties: {
      where: schemaRef(names.where),
      filter: { type: 'string', contentMediaType: 'application/json', description: '`where` as a JSON string; give one of them.' },
      sort: { anyOf: [{ type: 'string', description: 'Comma-separated sort keys.' }, { type: 'array', items: { type: 'string', enum: sortKeys(fields) } }] },
      limit: limitSchema(limits),
      offset: { type: 'integer', minimum: 0, description: 'Results to skip; not with cursor.' },
      cursor: { type: 'string', description: 'nextCursor of the previous page.' },
      ...(model.textFields.length > 0 ? { q: { type: 'string', maxLength: 1000, description: textSearchDescription(model) } } : {}),
      fields: { anyOf: [{ type: 'string', description: 'Comma-separated field names.' }, { type: 'array', items: { type: 'string', enum: selectableFields(model) } }] },
      deleted: DELETED,
      total: { type: 'boolean', description: 'Also count every match.' },
      asOf: AS_OF,
      ...(hasRefs(model) ? { expand: { anyOf: [{ type: 'string', description: 'Comma-separated paths.' }, { type: 'array', items: { type: 'string' }, maxItems: 20 }], description: expandText(model) } } : {}),
    },
    additionalProperties: false,
  };
  return { [names.where]: where, [names.query]: query };
}

/**
 * The query parameters of a list (`GET /users`) or, with `countOnly`, of `_count`: `where` as a
 * deepObject (`where[age][gte]=18`), `filter`, and for lists sort, paging, `q`, `fields`, `total`.
 */
export function searchParameters(model: ResourceModel, names: ResourceSchemaNames, limits: QueryLimits, countOnly: boolean): ParameterSchema[] {
  const fields = [...queryableFields(model, jobQueryFields(model)).values()];
  const parameters: ParameterSchema[] = [
    { name: 'where', in: 'query', style: 'deepObject', explode: true, schema: schemaRef(names.where), description: 'Filter, e.g. `where[age][gte]=18&where[name]=Ada`.' },
    { name: 'filter', in: 'query', content: { 'application/json': { schema: schemaRef(names.where) } }, description: '`where` as JSON; give where or filter, not both.' },
  ];
  if (!countOnly) {
    parameters.push(
      { name: 'sort', in: 'query', style: 'form', explode: false, schema: { type: 'array', items: { type: 'string', enum: sortKeys(fields) } }, description: 'Sort keys, `-` for descending, e.g. `-age,name`; `id` always breaks ties. Default: creation order.' },
      { name: 'limit', in: 'query', schema: limitSchema(limits) },
      { name: 'offset', in: 'query', schema: { type: 'integer', minimum: 0 }, description: 'Results to skip; not with cursor.' },
      { name: 'cursor', in: 'query', schema: { type: 'string' }, description: 'nextCursor of the previous page.' },
    );
  }
  if (model.textFields.length > 0) parameters.push({ name: 'q', in: 'query', schema: { type: 'string', maxLength: 1000 }, description: textSearchDescription(model) });
  if (!countOnly) {
    parameters.push({ name: 'fields', in: 'query', style: 'form', explode: false, schema: { type: 'array', items: { type: 'string', enum: selectableFields(model) } }, description: 'Return only these fields (plus id and _meta).' });
  }
  parameters.push({ name: 'deleted', in: 'query', schema: DELETED });
  if (!countOnly) {
    parameters.push({ name: 'total', in: 'query', schema: { type: 'boolean', default: false }, description: 'Also count every match.' });
    parameters.push({ name: 'asOf', in: 'query', schema: AS_OF });
  }
  if (!countOnly && hasRefs(model)) parameters.push({ name: 'expand', in: 'query', style: 'form', explode: false, schema: { type: 'array', items: { type: 'string' }, maxItems: 20 }, description: expandText(model) });
  return parameters;
}

/** The paging limit of searches and revision lists. */
export function limitSchema(limits: QueryLimits, minimum = 0): SchemaObject {
  return { type: 'integer', minimum, maximum: limits.maxLimit, default: limits.defaultLimit, description: `Page size (at most ${limits.maxLimit}).` };
}

/** A value, null, or an object of operators, for one filterable field. */
function fieldFilter(field: QueryableField): SchemaObject {
  const value = valueSchema(field);
  const operators: Record<string, SchemaObject> = {};
  for (const operator of operatorsFor(field.kind)) {
    if (operator === 'exists' || operator === 'isNull') operators[operator] = { type: 'boolean' };
    else if (operator === 'in' || operator === 'nin') operators[operator] = { anyOf: [{ type: 'array', items: value, maxItems: 500 }, { type: 'string', description: 'Comma-separated values.' }] };
    else if (operator === 'contains' || operator === 'startsWith' || operator === 'endsWith') operators[operator] = { type: 'string', minLength: 1 };
    else if (operator === 'eq' || operator === 'ne') operators[operator] = withNull(value);
    else operators[operator] = value;
  }
  return {
    description: `${field.name} (${field.kind}) takes ${Object.keys(operators).join(', ')}.`,
    anyOf: [withNull(value), { type: 'object', properties: operators, additionalProperties: false, minProperties: 1 }],
  };
}

/** A filter value of the field's kind; query strings carry numbers and booleans as text, which is accepted too. */
function valueSchema(field: QueryableField): SchemaObject {
  if (field.kind === 'enum') {
    const values = field.values ?? [];
    const numbers = values.filter((value) => typeof value === 'number');
    return { type: numbers.length > 0 ? ['string', 'number'] : 'string', enum: [...values, ...numbers.map(String)] };
  }
  // A copy, so a caller may extend it: the registry's schema is frozen and shared.
  return structuredClone(fieldTypeOf(field.kind)!.index!.filterSchema) as SchemaObject;
}

/** Names `fields=` takes: the model's fields, and `id` and `_meta`, which are always returned anyway. */
function selectableFields(model: ResourceModel): string[] {
  return ['id', ...model.fields.map((field) => field.name), '_meta'];
}

function hasRefs(model: ResourceModel): boolean {
  return model.fields.some((field) => field.ref);
}

/** What `expand` takes on `model` (the same text as the `expand` of a single read). */
function expandText(model: ResourceModel): string {
  const refs = model.fields.filter((field) => field.ref).map((field) => field.name);
  return `@Ref fields (${refs.join(', ')}), dotted to at most three segments (authorId.teamId): each referenced resource, as you may read it, goes under _expanded (null when missing, deleted or out of your scope); one query per referenced resource, whatever the page size.`;
}

function sortKeys(fields: readonly QueryableField[]): string[] {
  return fields.flatMap((field) => [field.name, `-${field.name}`]);
}

function textSearchDescription(model: ResourceModel): string {
  return `Full-text search in ${model.textFields.map((field) => field.name).join(', ')}.`;
}
