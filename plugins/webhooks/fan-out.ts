import type { PluginContext, ResourceView, StrataEvent } from '../../lib/plugin-api.js';
import { DELIVERIES_PATH, WEBHOOKS_PATH, type DeliveryData, type WebhookData, type WebhookResources } from './resources.js';

/** What the fan-out needs: the app, the plugin's classes, and how the plugin writes deliveries. */
export interface FanOutSettings {
  readonly context: PluginContext;
  readonly resources: WebhookResources;
  internal<R>(write: () => Promise<R>): Promise<R>;
}

const PENDING = ['queued', 'running'];

/**
 * The events service's `onAppend` handler: it runs inside the transaction of each change, right
 * after its event is logged, so a delivery exists exactly when its change committed. An event
 * about any resource but the plugin's own makes one queued `WebhookDelivery` per active webhook
 * that lists its type and its resource (or lists no resources). Events about webhooks and
 * deliveries are never delivered: a delivery's own changes would make deliveries forever.
 */
export async function fanOut(settings: FanOutSettings, event: StrataEvent): Promise<void> {
  if (event.resource === DELIVERIES_PATH || event.resource === WEBHOOKS_PATH) return;
  const { context, resources } = settings;
  const deliveries = context.manager(resources.WebhookDelivery);
  for (const webhook of await activeWebhooks(settings)) {
    if (!webhook.events.includes(event.type)) continue;
    if (webhook.resources && !webhook.resources.includes(event.resource)) continue;
    const delivery: DeliveryData = {
      webhookId: webhook.id, eventId: event.id, eventType: event.type, resource: event.resource, resourceId: event.resourceId,
      event, url: webhook.url, statusCode: null,
    };
    await settings.internal(() => deliveries.create(delivery));
  }
}

/** Every webhook that is not inactive (they are few: each change reads them all). */
async function activeWebhooks(settings: FanOutSettings): Promise<(ResourceView & WebhookData)[]> {
  const webhooks = settings.context.manager(settings.resources.Webhook);
  const found: (ResourceView & WebhookData)[] = [];
  let cursor: string | undefined;
  do {
    const page = await webhooks.list({ limit: settings.context.options.limits.maxLimit, ...(cursor ? { cursor } : {}) });
    found.push(...(page.items as (ResourceView & WebhookData)[]).filter((webhook) => webhook.active !== false));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return found;
}

/**
 * An events listener (after commit): a webhook deleted, purged or made inactive has its queued and
 * running deliveries cancelled (a running one's request is aborted). It runs after the change
 * committed, each cancel in a transaction of its own, because cancelling inside the change's
 * transaction would lock deliveries while holding the change log's lock, the reverse of the order
 * in which a worker's state change takes them (on PostgreSQL, a deadlock).
 */
export async function stopDeliveries(settings: FanOutSettings, event: StrataEvent): Promise<void> {
  const data = event.data as (ResourceView & WebhookData) | null;
  if (event.type === 'deleted' || event.type === 'purged' || data?.active === false) await cancelPending(settings, event.resourceId);
}

/** Cancels the queued and running deliveries of webhook `webhookId`. */
async function cancelPending(settings: FanOutSettings, webhookId: string): Promise<void> {
  const deliveries = settings.context.manager(settings.resources.WebhookDelivery);
  for (;;) {
    const page = await deliveries.list({ where: { webhookId, '_job.status': { in: PENDING } }, limit: Math.min(100, settings.context.options.limits.maxLimit) });
    if (page.items.length === 0) return;
    for (const delivery of page.items) await deliveries.jobs!.cancel(delivery.id);
  }
}
