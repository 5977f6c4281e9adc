/**
 * What a scalar field type is: everything storage, search, validation, JSON Schema and GraphQL need
 * to know about one kind of value, described once (docs/architecture.md, "How to add a field type").
 */

/** A JSON Schema 2020-12 object, kept loose on purpose: any keyword may appear. */
export type JsonSchema = { readonly [keyword: string]: unknown };

/**
 * The GraphQL scalar a field type's values take. A hint, not a GraphQL type: lib/ knows nothing of
 * GraphQL, and the GraphQL plugin maps each hint to its own type (`DateTime` and `JSON` are its scalars).
 */
export type GraphQLScalarHint = 'String' | 'Float' | 'Int' | 'Boolean' | 'DateTime' | 'JSON';

/** The result of checking one value: the value to store, or what is wrong, phrased to follow the path (`must be a string`). */
export type FieldValueCheck = { readonly value: unknown } | { readonly problem: string; readonly constraint: string };

/** How a field type is stored in its own column, and searched there; set for kinds that may be `@Indexed`. */
export interface FieldTypeIndex {
  /** The column type, per database. */
  readonly column: { readonly sqlite: string; readonly postgresql: string };
  /**
   * A filter value in the stored form, or undefined when it does not fit: query strings give text
   * (`'18'`), JSON bodies and GraphQL give values (`18`).
   */
  coerce(value: unknown): string | number | boolean | undefined;
  /** What `coerce` takes, for the message when a value does not fit: `a whole number`. */
  readonly expected: string;
  /** The JSON Schema of a filter value (query strings carry numbers and booleans as text). */
  readonly filterSchema: JsonSchema;
  /**
   * Every indexed field takes `eq`, `ne`, `in`, `nin`, `exists` and `isNull`; `ordered` adds
   * `gt`, `gte`, `lt`, `lte` (the column sorts values in their order).
   */
  readonly ordered?: boolean;
  /** Adds `contains`, `startsWith`, `endsWith` (the column holds text). */
  readonly textMatch?: boolean;
  /** True when `value`, as the database driver returns it from the column, can be a value of the kind (default: a string). */
  isColumnValue?(value: unknown): boolean;
}

/**
 * One scalar field type: a single value such as a string or a date (enums, nested objects and
 * arrays are structural and built in). Register it with `registerFieldType`.
 * @example registerFieldType({ name: 'slug', validate, schema: { output: { type: 'string' } }, graphql: 'String' })
 */
export interface FieldTypeDefinition {
  /** The kind's name: `field.type.kind`, `@Field('name')`, and how messages name it. Letters and digits, starting with a letter. */
  readonly name: string;
  /** Classes that mean this kind in `@Field(() => Class)` and in TypeScript's `design:type` (`Date` for dates). */
  readonly classes?: readonly Function[];
  /** Checks a written value (never null or undefined): the value to store (e.g. normalized), or the problem. */
  validate(value: unknown): FieldValueCheck;
  readonly schema: {
    /** The JSON Schema of a value the server returns. */
    readonly output: JsonSchema;
    /** The JSON Schema of a value a create, replace or patch body writes (default: `output`). */
    readonly input?: JsonSchema;
    /** Merge the JSON Schema of the property's class-validator rules into the field's (default true). */
    readonly withValidatorRules?: boolean;
  };
  readonly graphql: GraphQLScalarHint;
  /** The items of an array of this kind may be null (JSON, where null is a value). */
  readonly nullItems?: boolean;
  /** Set when a value fits one column: the field may then be `@Indexed`, filtered and sorted. */
  readonly index?: FieldTypeIndex;
}
