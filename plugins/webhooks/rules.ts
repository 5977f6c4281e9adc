import { StrataError, type ErrorDetail, type PluginContext, type ResourceView, type WriteOptions } from '../../lib/plugin-api.js';
import { urlProblem, type AddressPolicy } from './addresses.js';
import { DELIVERIES_PATH, newSecret, secretProblem, WEBHOOKS_PATH, type WebhookData, type WebhookResources } from './resources.js';

/** What the rules need: the plugin's classes and options, and whether a write is the plugin's own. */
export interface RuleSettings {
  readonly resources: WebhookResources;
  readonly policy: AddressPolicy;
  isInternal(): boolean;
}

/** Writes of deliveries that only the plugin makes (clients may read, rerun, cancel, delete and purge them). */
const DELIVERY_WRITES = ['create', 'update', 'patch', 'switch', 'publish', 'import'] as const;

/**
 * Registers the plugin's rules as manager hooks, so they hold for REST, GraphQL and direct calls:
 * - a webhook created without `secret` or `active` is created with a new secret and `active: true`;
 * - every write of a webhook is checked as a whole (`url` not pointing at a refused address, a
 *   `secret` that can sign, `resources` among the app's): a 422 VALIDATION_FAILED otherwise;
 * - deliveries are written by the plugin alone: a client's create or change is a 403.
 */
export function registerRules(context: PluginContext, settings: RuleSettings): void {
  const { Webhook, WebhookDelivery } = settings.resources;
  context.hooks.around({ operations: 'create', resources: [Webhook] }, async (hook, next) => {
    const { data, ...options } = hook.input as unknown as { data: unknown } & WriteOptions;
    if (!data || typeof data !== 'object' || Array.isArray(data)) return next();
    const given = data as Record<string, unknown>;
    if (given.secret !== undefined && given.secret !== null && given.active !== undefined && given.active !== null) return next();
    // Hooks cannot change what a call writes, so the create is made again with the defaults filled in.
    return context.manager(Webhook).create({ ...given, secret: given.secret ?? newSecret(), active: given.active ?? true }, options);
  });
  context.hooks.after({ operations: ['create', 'update', 'patch', 'switch', 'restore'], resources: [Webhook] }, (hook) => {
    checkWebhook(context, settings.policy, hook.result as ResourceView & WebhookData);
  });
  context.hooks.after({ operations: 'import', resources: [Webhook] }, async (hook) => {
    for (const id of hook.result as string[]) checkWebhook(context, settings.policy, await context.manager(Webhook).get(id) as ResourceView & WebhookData);
  });
  context.hooks.before({ operations: DELIVERY_WRITES, resources: [WebhookDelivery] }, (hook) => {
    if (settings.isInternal()) return;
    throw new StrataError('FORBIDDEN', `webhook deliveries are made by the webhooks plugin and cannot be written (${hook.operation}); rerun one with POST /${DELIVERIES_PATH}/:id/rerun`);
  });
}

/** Throws VALIDATION_FAILED with every problem of a webhook as stored after a write. */
function checkWebhook(context: PluginContext, policy: AddressPolicy, webhook: ResourceView & WebhookData): void {
  const problems: ErrorDetail[] = [];
  const problem = (path: string, message: string, constraint: string) => problems.push({ path, message, constraint });
  const url = URL.canParse(webhook.url) ? new URL(webhook.url) : undefined;
  const address = url ? urlProblem(url, policy) : 'an address this server can read';
  if (address) problem('url', `url may not point at ${address}`, 'webhookAddress');
  const secret = secretProblem(webhook.secret);
  if (secret) problem('secret', secret, 'webhookSecret');
  const known = context.models.map((model) => model.names.path).filter((path) => path !== WEBHOOKS_PATH && path !== DELIVERIES_PATH);
  (webhook.resources ?? []).forEach((resource, index) => {
    if (!known.includes(resource)) problem(`resources[${index}]`, `resources[${index}] must be one of ${known.join(', ')}; got ${resource}`, 'isIn');
  });
  if (problems.length > 0) throw StrataError.validation(problems);
}
