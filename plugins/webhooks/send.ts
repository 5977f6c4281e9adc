import http from 'node:http';
import https from 'node:https';
import { Webhook as Signer } from 'standardwebhooks';
import { guardedLookup, RefusedAddressError, urlProblem, type AddressPolicy, type Resolver } from './addresses.js';

/** Milliseconds a receiver has to answer a delivery. */
export const DELIVERY_TIMEOUT = 10_000;

/** Bytes of a receiver's answer read before the connection is closed (the answer is not kept). */
const MAX_ANSWER_BYTES = 64 * 1024;

/** One signed POST of an event. */
export interface SignedPost {
  readonly url: string;
  /** The webhook's secret, `whsec_` and base64. */
  readonly secret: string;
  /** `webhook-id`: the event id, the same on every attempt. */
  readonly messageId: string;
  /** The body: the event JSON. */
  readonly body: string;
}

/** How a POST is made. */
export interface PostSettings {
  readonly policy: AddressPolicy;
  /** The job's signal: a cancel aborts the request. */
  readonly signal: AbortSignal;
  readonly timeout?: number;
  /** Resolves host names (tests stand in for DNS); default `dns.lookup`. */
  readonly resolve?: Resolver;
}

/**
 * POSTs `post.body` to `post.url`, signed as the Standard Webhooks specification says (`webhook-id`,
 * `webhook-timestamp`, `webhook-signature` with the `standardwebhooks` package), and resolves to the
 * HTTP status of the answer. Redirects are not followed (a 3xx is an answer like any other). The
 * host must pass `settings.policy` both as written and as resolved when connecting (a
 * `RefusedAddressError` otherwise); a network error or no answer within the timeout rejects.
 */
export function postSigned(post: SignedPost, settings: PostSettings): Promise<number> {
  const url = new URL(post.url);
  const problem = urlProblem(url, settings.policy);
  if (problem) return Promise.reject(new RefusedAddressError(problem));
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return Promise.reject(new Error(`${url.protocol} URLs cannot receive webhooks; use http or https`));
  const timestamp = new Date();
  const timeout = settings.timeout ?? DELIVERY_TIMEOUT;
  const headers = {
    'content-type': 'application/json',
    'user-agent': 'Strata-Webhooks',
    'webhook-id': post.messageId,
    'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
    'webhook-signature': new Signer(post.secret).sign(post.messageId, timestamp, post.body),
  };
  const timedOut = AbortSignal.timeout(timeout);
  const signal = AbortSignal.any([settings.signal, timedOut]);
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise<number>((resolve, reject) => {
    const request = transport.request(url, {
      method: 'POST', headers, signal, agent: false, lookup: guardedLookup(settings.policy, settings.resolve),
    }, (response) => {
      resolve(response.statusCode ?? 0);
      let read = 0;
      response.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > MAX_ANSWER_BYTES) response.destroy();
      });
      response.on('error', () => undefined);
    });
    request.on('error', (error) => {
      reject(timedOut.aborted && !settings.signal.aborted ? new Error(`no answer within ${timeout / 1000} s`) : error);
    });
    request.end(post.body);
  });
}
