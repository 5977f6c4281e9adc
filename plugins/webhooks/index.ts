import { AsyncLocalStorage } from 'node:async_hooks';
import { definePlugin, type BackoffOptions, type EventsService, type PluginContext, type StrataPlugin } from '../../lib/plugin-api.js';
import { deliver } from './deliver.js';
import { fanOut, stopDeliveries } from './fan-out.js';
import { WEBHOOKS_PATH, webhookResources } from './resources.js';
import { registerRules } from './rules.js';

/** Options of the webhooks plugin (docs/webhooks.md). */
export interface WebhooksOptions {
  /** Let webhooks point at this machine (127.0.0.0/8, ::1, localhost); default false. */
  allowLoopback?: boolean;
  /** Let webhooks point at private and link-local networks (10/8, 172.16/12, 192.168/16, fc00::/7, 169.254/16, fe80::/10); default false. */
  allowPrivateNetworks?: boolean;
  /** Attempts of each delivery before it fails (default 8). */
  maxAttempts?: number;
  /** Wait between attempts, in the `@Job` shape (default exponential from 1 s, at most 5 min). */
  backoff?: BackoffOptions;
}

/**
 * The webhooks plugin (docs/webhooks.md): webhooks at `/_webhooks`, and a `WebhookDelivery` job at
 * `/_webhook-deliveries` per matching event, created in the transaction of the change, POSTing the
 * event JSON signed as Standard Webhooks says, retried with backoff, in event order per webhook and
 * resource. It requires the events plugin and the `jobs` service (`bootstrap` adds the jobs plugin
 * when none is listed). One `webhooksPlugin()` serves one app at a time.
 * @example await bootstrap(app, { resources: [Article], plugins: [eventsPlugin(), webhooksPlugin()] });
 */
export function webhooksPlugin(options: WebhooksOptions = {}): StrataPlugin {
  const policy = { allowLoopback: options.allowLoopback === true, allowPrivateNetworks: options.allowPrivateNetworks === true };
  const problems = optionProblems(options);
  const ownWrites = new AsyncLocalStorage<true>();
  const internal = <R>(write: () => Promise<R>) => ownWrites.run(true, write);
  // The app this instance runs in, from its mount phase until it stops: the delivery handler,
  // written on the class, reaches its managers through it.
  let running: PluginContext | undefined;
  const app = () => running;
  const resources = webhookResources({
    handler: (delivery, ctx) => deliver({
      policy, waitDelay: Math.min(options.backoff?.delay ?? 1000, 1000), app, resources, internal,
    }, delivery, ctx),
    maxAttempts: options.maxAttempts ?? 8,
    ...(options.backoff ? { backoff: options.backoff } : {}),
  });
  return definePlugin({
    name: 'webhooks',
    requires: ['events', 'jobs'],
    resources: [resources.Webhook, resources.WebhookDelivery],
    configure(context) {
      registerRules(context, { resources, policy, isInternal: () => ownWrites.getStore() === true });
      const events = context.require<EventsService>('events');
      events.onAppend((event) => fanOut({ context, resources, internal }, event));
      events.on('*', (event) => stopDeliveries({ context, resources, internal }, event), { resource: WEBHOOKS_PATH });
    },
    validate(context) {
      if (running && running !== context) return [...problems, 'this webhooksPlugin() already runs in another app; call webhooksPlugin() once per bootstrap'];
      return problems;
    },
    mount(context) {
      running = context;
    },
    stop(context) {
      if (running === context) running = undefined;
    },
  });
}

function optionProblems(options: WebhooksOptions): string[] {
  const problems: string[] = [];
  for (const name of ['allowLoopback', 'allowPrivateNetworks'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'boolean') problems.push(`option ${name} must be true or false, got ${String(options[name])}`);
  }
  return problems;
}
