import 'reflect-metadata';

// The user's API: decorators, bootstrap and what it returns, the manager, errors.
export { Resource, Indexed, Versioned, Field, Ref, Job } from '../decorators/index.js';
export { bootstrap, type Strata } from './bootstrap.js';
export type { BootstrapOptions } from './config.js';
export { ResourceManager, type Page } from './manager/ResourceManager.js';
export type { CurrentUser, CallOptions, WriteOptions } from './manager/context.js';
export type { ResourceView, ResourceMeta, RevisionEntry } from './manager/state.js';
export type { PatchFormat } from './manager/patch.js';
export type { QueryInput, QueryLimits } from './query/index.js';
// What a transport generating filters needs (GraphQL's Where inputs): the allow-list of a model and each kind's operators.
export { queryableFields, jobQueryFields, operatorsFor, type QueryableField, type QueryableKind } from './query/index.js';
export { StrataError, BootstrapError, ERROR_CODES, isStrataError, type ErrorCode, type ErrorDetail } from './errors/index.js';
export type { JobOptions, JobHandler, JobContext, JobResource, JobLogLevel, BackoffOptions } from './metadata/job.js';
export { JOB_STATUSES, type JobState, type JobStatus } from './manager/job-state.js';

// The plugin API: what built-in and third-party plugins use (docs/plugins-and-hooks.md).
export { definePlugin, type StrataPlugin } from './plugin/definePlugin.js';
export type { PluginContext, PluginOperations, UserResolver } from './plugin/context.js';
export type { ModelTrait } from './plugin/traits.js';
export type { Logger } from './logger.js';
export type { Database, Row } from './storage/database.js';
export type { Dialect } from './storage/dialect.js';
export { HOOK_NAMES, HookRegistry, type HookName, type HookContext, type AroundHook } from './manager/hooks.js';
export { parseEntityTags } from './manager/preconditions.js';
export type { ResourceModel, FieldModel, FieldType } from './metadata/model.js';
export type { JobModel } from './metadata/job.js';
export { isJobResource } from './metadata/args-store.js';
export type { JobOperations, JobChange } from './manager/job-operations.js';
export { withArticle } from './metadata/naming.js';
export * from './operations/index.js';
export * from './schema/index.js';
