import { isStrataError, type JobContext, type JobResource, type JobState, type PluginContext, type ResourceManager, type ResourceView } from '../../lib/plugin-api.js';
import type { AddressPolicy } from './addresses.js';
import type { DeliveryData, WebhookData, WebhookResources } from './resources.js';
import { postSigned } from './send.js';

/** What a delivery attempt needs from the running plugin. */
export interface DeliverySettings {
  readonly policy: AddressPolicy;
  /** Milliseconds a delivery waiting for an earlier one checks again (past the earlier one's next run). */
  readonly waitDelay: number;
  /** The app the plugin runs in (from its mount phase until it stops) and its resource classes. */
  app(): PluginContext | undefined;
  readonly resources: WebhookResources;
  /** Runs a write the plugin makes itself (clients may not write deliveries). */
  internal<R>(write: () => Promise<R>): Promise<R>;
}

type Delivery = JobResource<DeliveryData>;
type PendingDelivery = ResourceView & DeliveryData & { _job: JobState };

const PENDING = ['queued', 'running'];

/**
 * One attempt of a delivery (the `@Job` handler of `WebhookDelivery`):
 * 1. If an earlier delivery to the same webhook about the same resource has not ended, the attempt
 *    is postponed (not counted) until after that one's next run: deliveries arrive in event order.
 * 2. The webhook is read: its current URL and secret are used; a deleted or inactive one fails it.
 * 3. The event JSON is POSTed, signed; the attempt logs one line (`attempt N: HTTP 200`, or the
 *    network error) and records the status and URL in the delivery. A 2xx ends the delivery;
 *    anything else throws, and the jobs plugin retries with the plugin's backoff.
 */
export async function deliver(settings: DeliverySettings, delivery: Delivery, ctx: JobContext): Promise<{ statusCode: number }> {
  const context = settings.app();
  // Stopping: the jobs plugin stops after this one, and may still start an attempt meanwhile.
  if (!context) ctx.postpone(settings.waitDelay, 'the webhooks plugin is not running');
  const deliveries = context.manager(settings.resources.WebhookDelivery);
  const earlier = await earliestPendingBefore(deliveries, delivery, context.options.limits.maxLimit);
  if (earlier) {
    const due = earlier._job.status === 'queued' ? Math.max(0, Date.parse(earlier._job.runAt) - Date.now()) : 0;
    ctx.postpone(due + settings.waitDelay, `waiting for delivery ${earlier.id} (event ${earlier.eventId}) to end`);
  }
  const webhook = await readWebhook(context.manager(settings.resources.Webhook), delivery.webhookId);
  if (typeof webhook === 'string') {
    await ctx.log(`attempt ${ctx.attempt}: not sent: ${webhook}`, 'warn');
    throw new Error(webhook);
  }
  const record = (statusCode: number | null) => settings.internal(() => deliveries.patch(delivery.id, { statusCode, url: webhook.url }))
    .catch((error: unknown) => context.logger.warn('webhooks: recording the status of a delivery failed', { delivery: delivery.id, error: String(error) }));
  let statusCode: number;
  try {
    statusCode = await postSigned(
      { url: webhook.url, secret: webhook.secret ?? '', messageId: delivery.eventId, body: JSON.stringify(delivery.event) },
      { policy: settings.policy, signal: ctx.signal },
    );
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    await ctx.log(`attempt ${ctx.attempt}: ${(error as Error).message}`, 'warn');
    await record(null);
    throw error;
  }
  const delivered = statusCode >= 200 && statusCode < 300;
  await ctx.log(`attempt ${ctx.attempt}: HTTP ${statusCode}`, delivered ? 'info' : 'warn');
  await record(statusCode);
  if (!delivered) throw new Error(`HTTP ${statusCode}`);
  return { statusCode };
}

/**
 * The earliest delivery to the same webhook about the same resource, with a smaller event id, that
 * is still queued or running; undefined when every earlier one has ended.
 */
async function earliestPendingBefore(deliveries: ResourceManager, delivery: Delivery, maxLimit: number): Promise<PendingDelivery | undefined> {
  const mine = BigInt(delivery.eventId);
  const where = { webhookId: delivery.webhookId, resource: delivery.resource, resourceId: delivery.resourceId, '_job.status': { in: PENDING } };
  let earliest: PendingDelivery | undefined;
  let cursor: string | undefined;
  do {
    const page = await deliveries.list({ where, limit: Math.min(100, maxLimit), ...(cursor ? { cursor } : {}) });
    for (const item of page.items as PendingDelivery[]) {
      const eventId = BigInt(item.eventId);
      if (item.id !== delivery.id && eventId < mine && (!earliest || eventId < BigInt(earliest.eventId))) earliest = item;
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return earliest;
}

/** The webhook to deliver to, or why there is none to deliver to. */
async function readWebhook(webhooks: ResourceManager, id: string): Promise<(ResourceView & WebhookData) | string> {
  try {
    const webhook = await webhooks.get(id) as ResourceView & WebhookData;
    return webhook.active === false ? `webhook ${id} is inactive` : webhook;
  } catch (error) {
    if (isStrataError(error) && (error.code === 'NOT_FOUND' || error.code === 'GONE')) return `webhook ${id} was deleted`;
    throw error;
  }
}
