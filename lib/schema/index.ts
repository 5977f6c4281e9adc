export { resourceSchemaNames, resourceSchemas, type ResourceSchemaNames } from './resource-schemas.js';
export { querySchemas, searchParameters, limitSchema } from './query-schemas.js';
export { sharedSchemas, NEXT_CURSOR } from './shared-schemas.js';
export { withNull } from './json-schema.js';
export { schemaRef, type SchemaObject, type ParameterSchema } from './types.js';
