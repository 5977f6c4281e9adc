import 'reflect-metadata';

// The user's API: decorators, bootstrap and what it returns, the manager, hooks, errors.
// Plugins use the plugin API as well (lib/plugin-api.ts); the package root exports both.
export { Resource, Indexed, Versioned, Field, Ref, Job, Allow, Blob, type AllowAction } from '../decorators/index.js';
export type { AllowOptions, PolicyUser, PolicyWhere } from './metadata/policies.js';
export { bootstrap, type ShutdownOptions, type Strata } from './bootstrap.js';
export type { BootstrapOptions } from './config.js';
export { definePlugin, type StrataPlugin } from './plugin/definePlugin.js';
export type { ResourceManager, Page } from './manager/ResourceManager.js';
export type { CurrentUser, CallOptions, WriteOptions } from './manager/context.js';
export type { ResourceView, ResourceMeta, RevisionEntry } from './metadata/views.js';
export type { HookName, HookContext, AroundHook } from './manager/hooks.js';
export type { PatchFormat } from './manager/patch.js';
export type { StrataEvent, EventBus, EventFilter, EventHandler } from './manager/events.js';
export { CHANGE_TYPES, type ChangeType } from './manager/changes.js';
export type { QueryInput } from './query/index.js';
export { StrataError, BootstrapError, ERROR_CODES, isStrataError, type ErrorCode, type ErrorDetail, type StrataErrorOptions } from './errors/index.js';
export type { JobOptions, JobHandler, JobContext, JobResource, JobLogLevel, BackoffOptions } from './metadata/job-model.js';
export { JOB_STATUSES, type JobState, type JobStatus } from './metadata/job-model.js';
