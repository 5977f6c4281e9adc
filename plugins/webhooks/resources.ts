import { randomBytes } from 'node:crypto';
import { ArrayMinSize, ArrayUnique, IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUrl, Length, Matches, MaxLength } from 'class-validator';
import { CHANGE_TYPES, Field, Indexed, Job, Resource, type BackoffOptions, type JobHandler, type StrataEvent } from '../../lib/plugin-api.js';
import { DELIVERY_TIMEOUT } from './send.js';

/** The path of the webhooks, and of their deliveries. */
export const WEBHOOKS_PATH = '_webhooks';
export const DELIVERIES_PATH = '_webhook-deliveries';

/** A Standard Webhooks secret as written: `whsec_` and base64 (its length is checked by `secretProblem`). */
const SECRET_SHAPE = /^whsec_(?:[A-Za-z0-9+/]{4})+(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** A new secret: `whsec_` and 32 random bytes in base64, as the Standard Webhooks specification shapes them. */
export function newSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** Why `secret` cannot sign (the specification wants 24 to 64 bytes of key), or undefined. */
export function secretProblem(secret: unknown): string | undefined {
  if (typeof secret !== 'string' || !SECRET_SHAPE.test(secret)) return 'secret must be whsec_ followed by base64 (leave it out on create to get a new one)';
  const bytes = Buffer.from(secret.slice('whsec_'.length), 'base64').length;
  return bytes >= 24 && bytes <= 64 ? undefined : `secret must hold 24 to 64 bytes, it holds ${bytes}`;
}

/** A webhook as stored and read. */
export interface WebhookData {
  url: string;
  events: string[];
  resources?: string[] | null;
  secret?: string | null;
  active?: boolean | null;
}

/** A delivery as stored and read. */
export interface DeliveryData {
  webhookId: string;
  eventId: string;
  eventType: string;
  resource: string;
  resourceId: string;
  event: StrataEvent;
  url: string;
  statusCode?: number | null;
}

/** How deliveries run: their handler and the retry options of the plugin. */
export interface DeliveryJobOptions {
  handler: JobHandler<DeliveryData>;
  maxAttempts: number;
  backoff?: BackoffOptions;
}

/** The resource classes of one webhooks plugin. */
export interface WebhookResources {
  Webhook: new () => WebhookData;
  WebhookDelivery: new () => DeliveryData;
}

const HTTP_URL = { protocols: ['http', 'https'], require_protocol: true, require_tld: false };

/**
 * Declares the plugin's two resources. They are made per plugin instance because the delivery
 * job's retry options come from the plugin's options, and `@Job` is written on the class.
 */
export function webhookResources(jobs: DeliveryJobOptions): WebhookResources {
  @Resource({ name: 'Webhook', path: WEBHOOKS_PATH })
  class Webhook implements WebhookData {
    @IsUrl(HTTP_URL, { message: 'url must be an http or https URL' }) @MaxLength(2000) url!: string;
    @Field(() => [String], { description: 'The event types to deliver.' })
    @ArrayMinSize(1) @ArrayUnique() @IsIn(CHANGE_TYPES, { each: true, message: `events must be among ${CHANGE_TYPES.join(', ')}` })
    events!: string[];
    @Field(() => [String], { optional: true, nullable: true, description: 'The resources (path values, such as articles) whose events to deliver; left out, all.' })
    @IsOptional() @ArrayMinSize(1) @ArrayUnique() @IsString({ each: true }) @Length(1, 200, { each: true })
    resources?: string[] | null;
    @Field('string', { optional: true, nullable: true, description: 'The signing secret (whsec_ and base64); a new one is made on create when left out.' })
    @IsOptional() @Matches(SECRET_SHAPE, { message: 'secret must be whsec_ followed by base64' })
    secret?: string | null;
    @Field('boolean', { optional: true, nullable: true, description: 'false stops deliveries (and cancels the pending ones); default true.' })
    @IsOptional() @IsBoolean()
    active?: boolean | null;
  }

  @Resource({ name: 'WebhookDelivery', path: DELIVERIES_PATH })
  @Job({ handler: jobs.handler, maxAttempts: jobs.maxAttempts, ...(jobs.backoff ? { backoff: jobs.backoff } : {}), timeout: DELIVERY_TIMEOUT + 5000 })
  class WebhookDelivery implements DeliveryData {
    @Indexed() @IsString() webhookId!: string;
    @Indexed() @Matches(/^\d{1,19}$/) eventId!: string;
    @Indexed() @Field('string') @IsIn(CHANGE_TYPES) eventType!: string;
    @Indexed() @IsString() resource!: string;
    @Indexed() @IsString() resourceId!: string;
    @Field('json', { description: 'The event, as sent in the body.' }) event!: StrataEvent;
    @IsString() @MaxLength(2000) url!: string;
    @Field('integer', { optional: true, nullable: true, description: 'The HTTP status of the last attempt; null when it got no answer.' })
    @IsOptional() @IsInt()
    statusCode?: number | null;
  }

  return { Webhook, WebhookDelivery };
}
