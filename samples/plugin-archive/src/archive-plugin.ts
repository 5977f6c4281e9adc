import {
  definePlugin, idOf, resourceResult, StrataError, withArticle, writeOptionsOf,
  type HookContext, type PluginContext, type StrataPlugin,
} from 'strata';

/** Options of `archivePlugin`. */
export interface ArchiveOptions {
  /** The resource classes that can be archived; each needs an optional boolean `archived` field. */
  resources: Function[];
}

/**
 * A plugin written with Strata's public exports only. It adds one operation to the operation table,
 * `POST /<resources>/:id/archive`, which REST serves, OpenAPI documents and GraphQL offers as
 * `archive<Type>` with no code of their own; and a hook that refuses changes to an archived resource.
 * @example await bootstrap(app, { resources: [Note], plugins: [archivePlugin({ resources: [Note] })] });
 */
export function archivePlugin({ resources }: ArchiveOptions): StrataPlugin {
  return definePlugin({
    name: 'archive',
    validate(context) {
      return context.models
        .filter((model) => resources.includes(model.target) && model.fieldsByName.get('archived')?.type.kind !== 'boolean')
        .map((model) => `${model.name} needs an optional boolean field "archived" to be archived; add @IsOptional() @IsBoolean() archived?: boolean`);
    },
    configure(context) {
      context.operations.add({
        name: 'archive', action: 'update', mutates: true, method: 'post', path: '/:id/archive',
        summary: (model) => `Archive ${withArticle(model.name)}: it stays readable but no longer changes`,
        conditional: 'If-Match',
        result: resourceResult('The archived resource; archiving it again is a 409.'),
        problems: [400, 404, 409, 410, 412],
        // One manager call, so validation, revisions, hooks and preconditions hold as for any write.
        invoke: (call) => call.manager.patch(idOf(call), { archived: true }, { ...writeOptionsOf(call), format: 'merge-patch' }),
      }, { resources });
      context.hooks.before({ operations: ['update', 'patch', 'delete'], resources }, (hook) => refuseArchived(context, hook));
    },
  });
}

/** An archived resource takes no further change: a 409 that says how to change it anyway. */
async function refuseArchived(context: PluginContext, hook: HookContext): Promise<void> {
  const current = await context.manager(hook.model.target as never).get(String(hook.input.id));
  if ((current as { archived?: boolean }).archived === true) {
    throw StrataError.conflict(`${hook.model.name} ${current.id} is archived and takes no further change; switch to an earlier revision to unarchive it`);
  }
}
