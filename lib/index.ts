import 'reflect-metadata';

export { Resource, Indexed, Versioned, Field, Ref } from '../decorators/index.js';
export { bootstrap, type Strata } from './bootstrap.js';
export type { BootstrapOptions } from './config.js';
export { definePlugin, type StrataPlugin } from './plugin/definePlugin.js';
export type { Logger } from './logger.js';
export type { Database, Row } from './storage/database.js';
export type { Dialect } from './storage/dialect.js';
export type { PluginContext } from './plugin/context.js';
export { HOOK_NAMES, HookRegistry, type HookName, type HookContext, type AroundHook } from './manager/hooks.js';
export { ResourceManager, type Page } from './manager/ResourceManager.js';
export type { CurrentUser, CallOptions, WriteOptions } from './manager/context.js';
export type { ResourceView, ResourceMeta, RevisionEntry } from './manager/state.js';
export { parseEntityTags } from './manager/preconditions.js';
export type { PatchFormat } from './manager/patch.js';
export type { QueryInput } from './query/index.js';
export type { ResourceModel, FieldModel, FieldType } from './metadata/model.js';
export { StrataError, BootstrapError, ERROR_CODES, isStrataError, type ErrorCode, type ErrorDetail } from './errors/index.js';
