import type { HookContext, JobState, PluginContext, ResourceModel, ResourceView } from '../../lib/plugin-api.js';
import type { JobsRuntime } from './runtime.js';

/**
 * Keeps the queue in step with the job resources through manager hooks, which run inside each
 * write's transaction: a created, restored, rerun or imported job is queued in the transaction
 * that stores it (never lost, never queued twice); a cancelled, deleted or purged one leaves the
 * queue in its transaction, and its running attempt's signal is aborted.
 */
export function registerQueueHooks(context: PluginContext, runtime: JobsRuntime, models: readonly ResourceModel[]): void {
  const byTarget = new Map<Function, ResourceModel>(models.map((model) => [model.target, model]));
  const resources = models.map((model) => model.target);
  const modelOf = (hook: HookContext) => byTarget.get(hook.model.target)!;
  const isPending = (job: unknown) => ['queued', 'running'].includes((job as JobState | undefined)?.status ?? '');

  context.hooks.after({ operations: ['create', 'rerun'], resources }, async (hook) => {
    await runtime.enqueue(modelOf(hook), hook.result as ResourceView);
  });
  context.hooks.after({ operations: 'restore', resources }, async (hook) => {
    const view = hook.result as ResourceView;
    if (isPending(view._job)) await runtime.enqueue(modelOf(hook), view);
  });
  context.hooks.after({ operations: 'import', resources }, async (hook) => {
    const model = modelOf(hook);
    const store = context.manager(model.target as never).store;
    for (const id of hook.result as string[]) {
      // An imported job that was queued, or running when it was exported, runs here (at least once).
      // Read from the store, not through `get`: a read hook refusing this call must not leave it unqueued.
      const state = await store.findState(id);
      if (state && state.deletedAt === null && isPending(state.data._job)) await runtime.enqueue(model, { id, _job: state.data._job });
    }
  });
  context.hooks.after({ operations: 'cancel', resources }, async (hook) => {
    await runtime.unqueue(modelOf(hook), String(hook.input.id), 'cancelled');
  });
  context.hooks.after({ operations: ['delete', 'purge'], resources }, async (hook) => {
    const model = modelOf(hook);
    const id = String(hook.input.id);
    await runtime.unqueue(model, id, 'deleted');
    if (hook.operation === 'purge') await runtime.logs.remove(model.name, id);
  });
}
