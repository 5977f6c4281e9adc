import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import {
  fieldTypeOf, policiesOf, JOB_STATUSES, jobQueryFields, queryableFields, withArticle,
  type FieldModel, type FieldType, type GraphQLScalarHint, type QueryableField, type QueryableKind, type ResourceModel, type SchemaObject,
} from '../../lib/plugin-api.js';
import { enumValueNames, NameRegistry, upperFirst } from './names.js';
import { DateTimeScalar, JsonScalar } from './scalars.js';
import {
  filterInputType, KIND_FILTERS, ResourceMetaType, RESULT_TYPES, SCALAR_FILTERS, SHARED_TYPE_NAMES, type ResultType, type TypeThunk,
} from './shared-types.js';

/** The generated GraphQL types of one resource (type-graphql classes and enum objects). */
export interface ResourceTypes {
  readonly model: ResourceModel;
  /** `User`: `id`, the fields, `_job` (job resources), `_meta` (the resolvers add `revisions`). */
  readonly object: Function;
  /** `UserInput`: the fields for create and update; required fields are non-null. */
  readonly input: Function;
  /** `UserPatch`: every field optional, merge-patch semantics. */
  readonly patch: Function;
  /** `UserWhere`: operator inputs per filterable field, `_meta` (and `_job` on job resources), `and`, `or`, `not`. */
  readonly where: Function;
  /** `UserSort`: `<field>_ASC` / `<field>_DESC`, valued with the manager's sort keys (`age`, `-age`). */
  readonly sort: object;
  /** `UserPage { items, nextCursor, total }`. */
  readonly page: Function;
}

/** What a field becomes: a type thunk for type-graphql, and whether list items may be null. */
interface GraphQLFieldType {
  readonly type: TypeThunk;
  readonly itemsNullable: boolean;
}

type Shape = 'output' | 'input' | 'patch';

const BUILT_IN = 'a built-in Strata type';

/**
 * The GraphQL type of each scalar kind's `graphql` hint. Each field type names its hint in the
 * field-type registry, so a kind a plugin registers needs no change here; the types themselves
 * stay in this plugin, since lib/ knows nothing of GraphQL. The hints are a closed list, all mapped.
 */
const SCALAR_TYPES: Readonly<Record<GraphQLScalarHint, object>> = {
  String, Float, Int, Boolean, DateTime: DateTimeScalar, JSON: JsonScalar,
};

/** A new empty class called `name` (the name shows in type-graphql's own messages). */
export function namedClass(name: string): new () => object {
  return { [name]: class {} }[name];
}

/**
 * Generates the GraphQL types of a set of models for one schema. Names are claimed in a
 * NameRegistry, so clashes come back as problems; nested classes and enums are generated once per
 * schema however many fields use them. Every class and enum is decorated here, before the schema is
 * built (type-graphql reads a snapshot of its metadata then), never inside a type thunk.
 */
export class ResourceTypeFactory {
  readonly names = new NameRegistry();
  private readonly objects = new Map<Function, Function>();
  private readonly inputs = new Map<Function, Function>();
  private readonly patches = new Map<Function, Function>();
  private readonly enums = new Map<unknown, { name: string; values: object }>();
  private readonly enumFilters = new Map<object, Function>();
  private readonly kindFilters = new Map<string, Function>();
  private readonly groupWheres = new Map<string, Function>();
  private jobState?: Function;

  constructor() {
    for (const name of SHARED_TYPE_NAMES) this.names.claim(name, BUILT_IN, 'rename the resource or class');
  }

  /** Generates every type of `model`. */
  resource(model: ResourceModel): ResourceTypes {
    const names = model.names.graphql;
    const owner = `resource ${model.name}`;
    const fix = 'rename it with @Resource({ name }) or rename the class';
    for (const name of [names.type, names.input, names.patch, names.where, names.sort, names.page]) this.names.claim(name, owner, fix);

    const object = namedClass(names.type);
    Field(() => ID)(object.prototype, 'id');
    // A field some roles may not read (`@Allow(roles, 'read')`) is null for them, so its type is nullable.
    const masked = new Set(policiesOf(model.target).fields.filter((rule) => rule.access === 'read').map((rule) => rule.property));
    this.addFields(object, model.fields, 'output', model.name, masked);
    if (model.job) {
      const jobState = this.jobStateType();
      Field(() => jobState, { description: 'The job state (read-only): status, attempts, result …; every status change is a revision.' })(object.prototype, '_job');
    }
    Field(() => ResourceMetaType)(object.prototype, '_meta');
    ObjectType(names.type, { simpleResolvers: true, description: model.description })(object);

    const input = this.inputClass(names.input, model.fields, 'input', model.name, `The fields of ${withArticle(model.name)}, to create or replace one.`);
    const patch = this.inputClass(names.patch, model.fields, 'patch', model.name,
      `Changes to ${withArticle(model.name)} (JSON merge patch): fields left out stay as they are, null removes an optional field, nested objects merge.`);
    return { model, object, input, patch, where: this.whereType(model), sort: this.sortEnum(model), page: this.pageType(model, object) };
  }

  /**
   * The GraphQL type of an operation's JSON result, found by the component its schema refers to
   * (`{ $ref: '#/components/schemas/JobLogPage' }` → `JobLogPage`), or undefined when there is none.
   * The type names it brings are claimed for this schema when first asked for.
   */
  resultType(schema: SchemaObject | undefined): ResultType | undefined {
    const component = typeof schema?.$ref === 'string' ? /^#\/components\/schemas\/(.+)$/.exec(schema.$ref)?.[1] : undefined;
    const found = component === undefined ? undefined : RESULT_TYPES.get(component);
    if (found) for (const name of found.names) this.names.claim(name, BUILT_IN, 'rename the resource or class');
    return found;
  }

  private addFields(target: Function, fields: readonly FieldModel[], shape: Shape, owner: string, masked: ReadonlySet<string> = new Set()): void {
    for (const field of fields) {
      if (!this.names.checkFieldName(field.name, `${owner}.${field.name}`)) continue;
      const { type, itemsNullable } = this.fieldType(field.type, shape, owner, field);
      const nullable = shape === 'patch' || field.optional || field.nullable || masked.has(field.name);
      Field(type, {
        nullable: nullable ? (itemsNullable ? 'itemsAndList' : true) : (itemsNullable ? 'items' : false),
        description: field.description,
      })(target.prototype, field.name);
    }
  }

  private inputClass(name: string, fields: readonly FieldModel[], shape: 'input' | 'patch', owner: string, description: string): Function {
    const target = namedClass(name);
    this.addFields(target, fields, shape, owner);
    InputType(name, { description })(target);
    return target;
  }

  private fieldType(type: FieldType, shape: Shape, owner: string, field: FieldModel): GraphQLFieldType {
    const fixed = (value: object): GraphQLFieldType => ({ type: () => value, itemsNullable: false });
    switch (type.kind) {
      case 'enum': return fixed(this.enumType(type, `${owner}${upperFirst(field.name)}`).values);
      case 'object': return fixed(shape === 'output' ? this.nestedObject(type) : shape === 'input' ? this.nestedInput(type) : this.nestedPatch(type));
      case 'array': {
        // A merge patch replaces arrays whole, so the items of a patched array are full inputs.
        const items = this.fieldType(type.items, shape === 'patch' ? 'input' : shape, owner, field);
        return { type: () => [items.type()], itemsNullable: Boolean(fieldTypeOf(type.items.kind)?.nullItems) };
      }
      // A scalar kind (every one the model holds is registered); a reference holds an id.
      default: return fixed(field.ref ? ID : SCALAR_TYPES[fieldTypeOf(type.kind)!.graphql]);
    }
  }

  /** `JobState`, the `_job` of job resources: one per schema, its `status` the same `JobStatus` enum as the `_job.status` filter. */
  private jobStateType(): Function {
    if (!this.jobState) {
      const target = namedClass('JobState');
      this.names.claim('JobState', BUILT_IN, 'rename the resource or class');
      const status = this.systemEnum('_job.status', JOB_STATUSES).values;
      const field = (name: string, type: TypeThunk, description: string, nullable = false) =>
        Field(type, { nullable, description })(target.prototype, name);
      field('status', () => status, 'Where the job stands; queued also covers a retry waiting for its backoff.');
      field('attempts', () => Int, 'Attempts started so far.');
      field('maxAttempts', () => Int, 'Attempts before the job is failed.');
      field('runAt', () => DateTimeScalar, 'When the job is (or was) due: its creation, runAt on create, or a retry\'s backoff.');
      field('startedAt', () => DateTimeScalar, 'When the last attempt started.', true);
      field('finishedAt', () => DateTimeScalar, 'When the job succeeded, failed or was cancelled.', true);
      field('progress', () => Float, 'From 0 to 100, as the handler reported with ctx.progress(n).', true);
      field('result', () => JsonScalar, 'What the handler returned (JSON).', true);
      field('error', () => String, 'The message of the last failure.', true);
      ObjectType('JobState', { simpleResolvers: true, description: 'The state of a background job (`_job`), as in REST.' })(target);
      this.jobState = target;
    }
    return this.jobState;
  }

  /**
   * The enum of a system field (not a model field), e.g. `_job.status` → `JobStatus`: named after
   * its path, one per path whatever the values of model enums.
   */
  private systemEnum(path: string, values: readonly (string | number)[]): { name: string; values: object } {
    const name = path.split('.').map((part) => upperFirst(part.replace(/^_+/, ''))).join('');
    return this.enumType({ kind: 'enum', values }, name, { key: `field:${path}`, owner: BUILT_IN });
  }

  /**
   * The GraphQL enum of `type`, one per enum object (or list of values) per schema. A system enum
   * passes its own `key` and `owner`, so a model enum of the same values or name stays apart.
   */
  private enumType(type: Extract<FieldType, { kind: 'enum' }>, suggestedName: string, system?: { key: string; owner: string }): { name: string; values: object } {
    const key = system?.key ?? type.enumObject ?? `values:${JSON.stringify(type.values)}`;
    let found = this.enums.get(key);
    if (!found) {
      const names = enumValueNames(type.values, type.enumObject);
      found = { name: suggestedName, values: Object.fromEntries(names.map((name, index) => [name, type.values[index]])) };
      this.names.claim(found.name, system?.owner ?? `the enum of ${suggestedName}`, 'rename the property or the class');
      registerEnumType(found.values, { name: found.name });
      this.enums.set(key, found);
    }
    return found;
  }

  private nestedObject(type: Extract<FieldType, { kind: 'object' }>): Function {
    return this.nested(this.objects, type, type.target.name, (target, name) => {
      this.addFields(target, type.fields, 'output', type.target.name);
      ObjectType(name, { simpleResolvers: true })(target);
    });
  }

  private nestedInput(type: Extract<FieldType, { kind: 'object' }>): Function {
    return this.nested(this.inputs, type, `${type.target.name}Input`, (target, name) => {
      this.addFields(target, type.fields, 'input', type.target.name);
      InputType(name)(target);
    });
  }

  private nestedPatch(type: Extract<FieldType, { kind: 'object' }>): Function {
    return this.nested(this.patches, type, `${type.target.name}Patch`, (target, name) => {
      this.addFields(target, type.fields, 'patch', type.target.name);
      InputType(name, { description: `Changes to ${withArticle(type.target.name)} (merged into the current value).` })(target);
    });
  }

  /** One generated class per nested class and shape; cached before its fields are added, so recursive classes work. */
  private nested(cache: Map<Function, Function>, type: Extract<FieldType, { kind: 'object' }>, name: string, define: (target: Function, name: string) => void): Function {
    let target = cache.get(type.target);
    if (!target) {
      target = namedClass(name);
      cache.set(type.target, target);
      this.names.claim(name, `nested class ${type.target.name}`, 'rename the class');
      define(target, name);
    }
    return target;
  }

  private whereType(model: ResourceModel): Function {
    const name = model.names.graphql.where;
    const target = namedClass(name);
    const groups = new Map<string, QueryableField[]>();
    for (const field of queryableFields(model, jobQueryFields(model)).values()) {
      const dot = field.name.indexOf('.');
      if (dot < 0) {
        const filter = this.filterOf(model, field);
        Field(() => filter, { nullable: true })(target.prototype, field.name);
        continue;
      }
      const prefix = field.name.slice(0, dot);
      groups.set(prefix, [...groups.get(prefix) ?? [], field]);
    }
    for (const [prefix, fields] of groups) {
      const group = this.groupWhere(model, prefix, fields);
      Field(() => group, { nullable: true })(target.prototype, prefix);
    }
    Field(() => [target], { nullable: true, description: 'Every one of these conditions holds.' })(target.prototype, 'and');
    Field(() => [target], { nullable: true, description: 'At least one of these conditions holds.' })(target.prototype, 'or');
    Field(() => target, { nullable: true, description: 'This condition does not hold.' })(target.prototype, 'not');
    InputType(name, { description: `Conditions on ${model.name} resources: every test given must hold.` })(target);
    return target;
  }

  /** `_meta: ResourceMetaWhere` (`_job: ResourceJobWhere`): the dotted fields under one prefix, shared by every resource that has them. */
  private groupWhere(model: ResourceModel, prefix: string, fields: readonly QueryableField[]): Function {
    let target = this.groupWheres.get(prefix);
    if (!target) {
      const name = `Resource${upperFirst(prefix.replace(/^_+/, ''))}Where`;
      this.names.claim(name, BUILT_IN, 'rename the resource or class');
      target = namedClass(name);
      for (const field of fields) {
        const filter = this.filterOf(model, field);
        Field(() => filter, { nullable: true })(target.prototype, field.name.slice(prefix.length + 1));
      }
      InputType(name, { description: `Conditions on ${prefix}.` })(target);
      this.groupWheres.set(prefix, target);
    }
    return target;
  }

  private filterOf(model: ResourceModel, field: QueryableField): Function {
    if (field.name === 'id' || model.fieldsByName.get(field.name)?.ref) return SCALAR_FILTERS.id;
    if (field.name === '_meta.status') return SCALAR_FILTERS.status;
    if (field.kind !== 'enum') return this.kindFilter(field.kind);
    // The values come from the queryable field itself; a model field adds its enum object (for value
    // names, and to share the enum of its output field), a system field such as `_job.status` is named after its path.
    const values = field.values ?? [];
    const modelType = model.fieldsByName.get(field.name)?.type;
    const enumType = modelType?.kind === 'enum'
      ? this.enumType({ kind: 'enum', values, enumObject: modelType.enumObject }, `${model.name}${upperFirst(field.name)}`)
      : this.systemEnum(field.name, values);
    let filter = this.enumFilters.get(enumType.values);
    if (!filter) {
      const name = `${enumType.name}Filter`;
      this.names.claim(name, `the filter of ${enumType.name}`, 'rename the property or the class');
      filter = filterInputType(name, 'enum', () => enumType.values, `Tests on ${withArticle(enumType.name)}.`);
      this.enumFilters.set(enumType.values, filter);
    }
    return filter;
  }

  /** The filter of a scalar kind: a built-in kind's shared one (`IntFilter` …), else `<Kind>Filter`, made once per schema. */
  private kindFilter(kind: QueryableKind): Function {
    let filter = KIND_FILTERS.get(kind) ?? this.kindFilters.get(kind);
    if (!filter) {
      const name = `${upperFirst(kind)}Filter`;
      this.names.claim(name, `the filter of ${kind} fields`, 'rename the field type');
      const valueType = SCALAR_TYPES[fieldTypeOf(kind)!.graphql];
      filter = filterInputType(name, kind, () => valueType, `Tests on ${withArticle(kind)} field.`);
      this.kindFilters.set(kind, filter);
    }
    return filter;
  }

  private sortEnum(model: ResourceModel): object {
    const values: Record<string, string> = {};
    for (const field of queryableFields(model, jobQueryFields(model)).values()) {
      const base = field.name.replace(/\./g, '_');
      values[`${base}_ASC`] = field.name;
      values[`${base}_DESC`] = `-${field.name}`;
    }
    registerEnumType(values, {
      name: model.names.graphql.sort,
      description: `A sort key of ${model.name} lists; list several to break ties; id always ends the order as the final tiebreaker.`,
    });
    return values;
  }

  private pageType(model: ResourceModel, object: Function): Function {
    const name = model.names.graphql.page;
    const target = namedClass(name);
    Field(() => [object])(target.prototype, 'items');
    Field(() => String, { nullable: true, description: 'Pass as `cursor` for the next page; null on the last page.' })(target.prototype, 'nextCursor');
    Field(() => Int, { nullable: true, description: 'The number of matches; set when the query asked for total: true.' })(target.prototype, 'total');
    ObjectType(name, { simpleResolvers: true, description: `A page of ${model.name} resources.` })(target);
    return target;
  }
}
