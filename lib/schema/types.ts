/** A JSON Schema 2020-12 object (or a `$ref` to one), kept loose on purpose: any keyword may appear. */
export type SchemaObject = { [keyword: string]: unknown };

/**
 * A `$ref` to the named component schema, `#/components/schemas/<name>` (a schema itself, so
 * keywords may sit beside it). Component names come from `resourceSchemaNames` and
 * `sharedSchemas`; an operation may add its own through `components`.
 */
export function schemaRef(name: string): SchemaObject {
  return { $ref: `#/components/schemas/${name}` };
}

/**
 * One input of an operation in the path, the query string or a header, in the shape OpenAPI 3.1
 * gives parameters (so transports and documents share one description): `schema`, or `content`
 * for a parameter carried as e.g. JSON text.
 */
export interface ParameterSchema {
  name: string;
  in: 'path' | 'query' | 'header';
  description?: string;
  required?: boolean;
  style?: 'form' | 'deepObject' | 'simple';
  explode?: boolean;
  schema?: SchemaObject;
  content?: Record<string, { schema: SchemaObject }>;
}
