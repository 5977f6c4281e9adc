/**
 * The plugin API: everything the built-in plugins use, so a user's own plugin can do all they do
 * (docs/plugins-and-hooks.md). It includes the user's API; the package root exports both.
 */
export * from './index.js';
export type { AuthenticateOptions, DescribedRoute, PluginContext, PluginOperations, SecurityScheme, UserResolver } from './plugin/context.js';
export type { ModelTrait } from './plugin/traits.js';
export type { Logger } from './logger.js';
export type { Database, Row } from './storage/database.js';
export type { Dialect } from './storage/dialect.js';
export { HOOK_NAMES, HookRegistry } from './manager/hooks.js';
export { CHANGE_TYPES, type Change, type ChangeRecorder } from './manager/changes.js';
export type { EventsService } from './manager/events.js';
export { parseEntityTags } from './manager/preconditions.js';
export { clientFacts, MAX_LISTED_ERRORS } from './errors/index.js';
export type { ResourceModel, FieldModel, FieldType } from './metadata/model.js';
export { registerFieldType, fieldTypeOf } from './metadata/field-type-registry.js';
export type { FieldTypeDefinition, FieldTypeIndex, FieldValueCheck, GraphQLScalarHint, JsonSchema } from './metadata/field-type-definition.js';
export type { JobModel } from './metadata/job-model.js';
export { isJobResource } from './metadata/args-store.js';
export { policiesOf, type ClassPolicies, type ClassPolicyRule, type FieldPolicyRule } from './metadata/policies.js';
export type { AccessRules, Where } from './manager/access.js';
export type { BlobValue } from './manager/blobs.js';
export type { BlobStore, StoredBlob } from './storage/blob-store.js';
export { withArticle } from './metadata/naming.js';
export { parseQuery, queryableFields, jobQueryFields, operatorsFor, type QueryLimits, type QueryableField, type QueryableKind } from './query/index.js';
export * from './operations/index.js';
export * from './schema/index.js';
export * from './http/index.js';
