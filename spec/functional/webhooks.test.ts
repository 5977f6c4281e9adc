import 'reflect-metadata';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Length } from 'class-validator';
import { Webhook as Verifier } from 'standardwebhooks';
import { bootstrap, defaultPlugins, definePlugin, eventsPlugin, jobsPlugin, Resource, StrataError, webhooksPlugin, type StrataEvent } from '../../index.js';
import { BACKENDS } from '../support/backends.js';
import { expectProblem, startApp, type TestApp } from '../support/http.js';
import { waitFor } from '../support/jobs.js';

@Resource()
class Article {
  @Length(1, 100) title!: string;
}

/** Refuses articles titled "refuse" after they were written: the whole write rolls back. */
const refuser = definePlugin({
  name: 'refuser',
  configure({ hooks }) {
    hooks.after({ operations: ['create', 'update', 'patch'], resources: [Article] }, (context) => {
      if ((context.result as { title?: string }).title === 'refuse') throw StrataError.conflict('refused by a hook');
    });
  },
});

/** One request the receiver got. */
interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
}

/**
 * A local webhook receiver. `/flaky/<key>` answers 500 to the first two requests for a key, then
 * 200; `/once/<key>` answers 500 to the first request, then 200; `/down/<key>` always 500;
 * anything else 200.
 */
async function startReceiver(): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = request.url ?? '/';
      const earlier = received.filter((entry) => entry.path === path).length;
      const status = path.startsWith('/flaky/') ? (earlier < 2 ? 500 : 200)
        : path.startsWith('/once/') ? (earlier < 1 ? 500 : 200)
          : path.startsWith('/down/') ? 500 : 200;
      received.push({ path, headers: request.headers, body: Buffer.concat(chunks).toString(), status });
      response.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'thanks' : 'not now');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

for (const backend of BACKENDS.filter((candidate) => candidate.name !== 'sqlite-file')) {
  describe(`webhooks: ${backend.name}`, () => {
    let app: TestApp;
    let receiver: Awaited<ReturnType<typeof startReceiver>>;
    let dispose: () => Promise<void>;
    before(async () => {
      receiver = await startReceiver();
      const database = await backend.create();
      dispose = database.dispose;
      app = await startApp([Article], {
        database: database.url, logLevel: 'error',
        plugins: [
          eventsPlugin(), webhooksPlugin({ allowLoopback: true, backoff: { type: 'fixed', delay: 50 } }), refuser,
          jobsPlugin({ processEvery: 100, checkInterval: 100, lockLifetime: 2000 }),
        ],
      });
    });
    after(async () => {
      await app?.close();
      await receiver?.close();
      await dispose?.();
    });

    const createWebhook = async (body: object) => {
      const response = await app.request('POST', '/_webhooks', { body });
      assert.equal(response.status, 201, response.text);
      return response.body;
    };
    const deliveriesOf = async (webhookId: string) => {
      const response = await app.request('GET', `/_webhook-deliveries?where[webhookId]=${webhookId}&limit=100`);
      assert.equal(response.status, 200, response.text);
      return response.body.items as any[];
    };
    const ended = (webhookId: string, count: number) => waitFor(async () => {
      const deliveries = await deliveriesOf(webhookId);
      return deliveries.length === count && deliveries.every((delivery) => ['succeeded', 'failed', 'cancelled'].includes(delivery._job.status)) ? deliveries : undefined;
    }, `${count} deliveries of webhook ${webhookId} to end`, 20_000);

    it('delivers a signed event, retrying with backoff: two 500s, then a 200 on the third attempt, each attempt logged', async () => {
      const webhook = await createWebhook({ url: `${receiver.url}/flaky/first`, events: ['created'], resources: ['articles'] });
      assert.match(webhook.secret, /^whsec_[A-Za-z0-9+/]+=*$/);
      assert.equal(webhook.active, true);
      const article = (await app.request('POST', '/articles', { body: { title: 'Hello' } })).body;

      const [delivery] = await ended(webhook.id, 1);
      assert.equal(delivery._job.status, 'succeeded');
      assert.equal(delivery._job.attempts, 3);
      assert.equal(delivery.statusCode, 200);
      assert.equal(delivery.url, `${receiver.url}/flaky/first`);
      assert.equal(delivery.eventType, 'created');
      assert.equal(delivery.resource, 'articles');
      assert.equal(delivery.resourceId, article.id);

      const requests = receiver.received.filter((entry) => entry.path === '/flaky/first');
      assert.deepEqual(requests.map((entry) => entry.status), [500, 500, 200]);
      const last = requests[2];
      const event = new Verifier(webhook.secret).verify(last.body, last.headers as Record<string, string>) as StrataEvent;
      assert.equal(event.type, 'created');
      assert.equal(event.resource, 'articles');
      assert.equal(event.resourceId, article.id);
      assert.equal((event.data as any).title, 'Hello');
      assert.equal(last.headers['webhook-id'], event.id);
      assert.equal(delivery.eventId, event.id);
      assert.deepEqual(JSON.parse(last.body), delivery.event);
      assert.throws(() => new Verifier(`whsec_${Buffer.alloc(32, 7).toString('base64')}`).verify(last.body, last.headers as Record<string, string>), /signature/i);

      const logs = await app.request('GET', `/_webhook-deliveries/${delivery.id}/logs`);
      assert.equal(logs.status, 200);
      assert.deepEqual(logs.body.items.map((line: any) => [line.attempt, line.message]), [
        [1, 'attempt 1: HTTP 500'], [2, 'attempt 2: HTTP 500'], [3, 'attempt 3: HTTP 200'],
      ]);
    });

    it('delivers the changes of one resource in event order, and none about webhooks or deliveries', async () => {
      const webhook = await createWebhook({ url: `${receiver.url}/once/ordered`, events: ['created', 'updated', 'job.queued', 'job.succeeded'] });
      const article = (await app.request('POST', '/articles', { body: { title: 'First' } })).body;
      assert.equal((await app.request('PATCH', `/articles/${article.id}`, { body: { title: 'Second' } })).status, 200);

      const deliveries = await ended(webhook.id, 2);
      assert.ok(deliveries.every((delivery) => delivery._job.status === 'succeeded'));
      assert.ok(deliveries.every((delivery) => delivery.resource === 'articles'), 'no delivery about webhooks or deliveries');
      const requests = receiver.received.filter((entry) => entry.path === '/once/ordered');
      const events = requests.map((entry) => JSON.parse(entry.body) as StrataEvent);
      // The first delivery fails once; the second waits for its retry instead of overtaking it.
      assert.deepEqual(requests.map((entry) => entry.status), [500, 200, 200]);
      assert.deepEqual(events.map((event) => event.type), ['created', 'created', 'updated']);
      assert.ok(BigInt(events[1].id) < BigInt(events[2].id));
      assert.equal((events[2].data as any).title, 'Second');
      // The second delivery was postponed while the first was pending; waiting counted no attempt.
      const second = deliveries.find((delivery) => delivery.eventType === 'updated');
      assert.equal(second._job.attempts, 1);
      const history = [];
      for (let n = 1; n <= second._meta.revision; n++) history.push((await app.request('GET', `/_webhook-deliveries/${second.id}?revision=${n}`)).body._job);
      const first = deliveries.find((delivery) => delivery.eventType === 'created');
      assert.ok(history.some((job) => job.status === 'queued' && job.error === `waiting for delivery ${first.id} (event ${first.eventId}) to end`),
        JSON.stringify(history));
    });

    it('creates no delivery for a write that rolls back', async () => {
      const webhook = await createWebhook({ url: `${receiver.url}/rollback`, events: ['created', 'updated'], resources: ['articles'] });
      expectProblem(await app.request('POST', '/articles', { body: { title: 'refuse' } }), 409, 'CONFLICT');
      const kept = (await app.request('POST', '/articles', { body: { title: 'Kept' } })).body;
      const [delivery] = await ended(webhook.id, 1);
      assert.equal(delivery.resourceId, kept.id);
      assert.deepEqual(receiver.received.filter((entry) => entry.path === '/rollback').map((entry) => JSON.parse(entry.body).data.title), ['Kept']);
    });

    it('cancels the pending deliveries of a webhook made inactive, and delivers nothing more to it', async () => {
      const webhook = await createWebhook({ url: `${receiver.url}/down/stopped`, events: ['created'], resources: ['articles'] });
      await app.request('POST', '/articles', { body: { title: 'Never delivered' } });
      await waitFor(() => receiver.received.some((entry) => entry.path === '/down/stopped') || undefined, 'a first attempt');
      assert.equal((await app.request('PATCH', `/_webhooks/${webhook.id}`, { body: { active: false } })).status, 200);
      const [delivery] = await ended(webhook.id, 1);
      assert.equal(delivery._job.status, 'cancelled');
      assert.equal(delivery.statusCode, 500);
      await app.request('POST', '/articles', { body: { title: 'Not for an inactive webhook' } });
      assert.equal((await deliveriesOf(webhook.id)).length, 1);
    });

    it('keeps deliveries for the plugin to write: a client may read, rerun and cancel them, not create or change them', async () => {
      const webhook = await createWebhook({ url: `${receiver.url}/rerun`, events: ['created'], resources: ['articles'] });
      await app.request('POST', '/articles', { body: { title: 'Again' } });
      const [delivery] = await ended(webhook.id, 1);
      expectProblem(await app.request('POST', '/_webhook-deliveries', { body: { ...delivery, id: undefined, _meta: undefined, _job: undefined } }), 403, 'FORBIDDEN');
      expectProblem(await app.request('PATCH', `/_webhook-deliveries/${delivery.id}`, { body: { url: 'http://example.com/' } }), 403, 'FORBIDDEN');
      assert.equal((await app.request('POST', `/_webhook-deliveries/${delivery.id}/rerun`)).status, 200);
      await waitFor(() => receiver.received.filter((entry) => entry.path === '/rerun').length === 2 || undefined, 'the rerun to be delivered');
      const sent = receiver.received.filter((entry) => entry.path === '/rerun');
      assert.equal(sent[0].headers['webhook-id'], sent[1].headers['webhook-id'], 'a redelivery keeps its webhook-id');
    });

    it('refuses webhooks with unknown event types or resources, or a secret that cannot sign', async () => {
      const refused = [
        [{ url: `${receiver.url}/x`, events: ['created', 'nope'] }, 'events'],
        [{ url: `${receiver.url}/x`, events: [] }, 'events'],
        [{ url: `${receiver.url}/x`, events: ['created'], resources: ['nope'] }, 'resources[0]'],
        [{ url: `${receiver.url}/x`, events: ['created'], resources: ['_webhook-deliveries'] }, 'resources[0]'],
        [{ url: `${receiver.url}/x`, events: ['created'], secret: 'whsec_c2hvcnQ=' }, 'secret'],
        [{ url: `${receiver.url}/x`, events: ['created'], secret: 'plain' }, 'secret'],
        [{ url: 'ftp://example.com/x', events: ['created'] }, 'url'],
      ] as const;
      for (const [body, path] of refused) {
        const problem = expectProblem(await app.request('POST', '/_webhooks', { body }), 422, 'VALIDATION_FAILED');
        assert.ok(problem.errors?.some((error) => error.path === path), `${JSON.stringify(body)}: ${JSON.stringify(problem.errors)}`);
      }
      const webhook = await createWebhook({ url: `${receiver.url}/x`, events: ['created'] });
      const withoutSecret = { url: webhook.url, events: webhook.events, active: true };
      expectProblem(await app.request('PUT', `/_webhooks/${webhook.id}`, { body: withoutSecret }), 422, 'VALIDATION_FAILED');
      const rotated = `whsec_${Buffer.alloc(32, 1).toString('base64')}`;
      assert.equal((await app.request('PUT', `/_webhooks/${webhook.id}`, { body: { ...withoutSecret, secret: rotated } })).body.secret, rotated);
    });
  });
}

describe('webhooks without allowLoopback or allowPrivateNetworks', () => {
  let app: TestApp;
  const webhooks = webhooksPlugin();
  before(async () => {
    // No jobsPlugin listed: the webhooks plugin requires the jobs service, so bootstrap adds it.
    app = await startApp([Article], { logLevel: 'error', plugins: [eventsPlugin(), webhooks] });
  });
  after(async () => {
    await app?.close();
  });

  it('refuses a URL pointing at this machine or a private network with 422', async () => {
    for (const url of ['http://127.0.0.1:8080/hook', 'http://0x7f000001/hook', 'http://localhost:3000/', 'http://api.localhost/', 'http://[::1]/',
      'http://[::ffff:127.0.0.1]/', 'http://0.0.0.0/', 'http://10.1.2.3/', 'http://172.20.0.1/', 'http://192.168.1.10/', 'http://169.254.169.254/latest',
      'http://[fd00::1]/', 'http://[fe80::1]/']) {
      const problem = expectProblem(await app.request('POST', '/_webhooks', { body: { url, events: ['created'] } }), 422, 'VALIDATION_FAILED');
      assert.equal(problem.errors?.[0].path, 'url', url);
      assert.match(problem.errors![0].message, /loopback|this server|private/, url);
    }
    const stored = await app.request('POST', '/_webhooks', { body: { url: 'https://hooks.example.com/strata', events: ['created'] } });
    assert.equal(stored.status, 201, stored.text);
    expectProblem(await app.request('PATCH', `/_webhooks/${stored.body.id}`, { body: { url: 'http://127.0.0.1/' } }), 422, 'VALIDATION_FAILED');
  });

  it('brought the jobs plugin along, since it requires the jobs service', () => {
    assert.doesNotThrow(() => app.strata.service('jobs'));
    assert.ok(app.strata.models.some((model) => model.names.path === '_webhook-deliveries' && model.job));
  });

  it('runs one plugin instance in one app at a time', async () => {
    await assert.rejects(bootstrap(null, { resources: [Article], database: 'sqlite::memory:', plugins: [eventsPlugin(), webhooks] }),
      /this webhooksPlugin\(\) already runs in another app; call webhooksPlugin\(\) once per bootstrap/);
  });
});

describe('default plugins for required services', () => {
  it('adds the jobs plugin for a listed plugin requiring jobs, unless another listed plugin provides it', () => {
    const needsJobs = definePlugin({ name: 'needs-jobs', requires: ['jobs'] });
    const ownJobs = definePlugin({ name: 'own-jobs', provides: ['jobs'] });
    assert.deepEqual(defaultPlugins(null, [], [needsJobs]).map((plugin) => plugin.name), ['jobs']);
    assert.deepEqual(defaultPlugins(null, [], [needsJobs, ownJobs]).map((plugin) => plugin.name), []);
    assert.deepEqual(defaultPlugins(null, [], [webhooksPlugin()]).map((plugin) => plugin.name), ['jobs']);
    assert.deepEqual(defaultPlugins(null, [], [definePlugin({ name: 'plain' })]).map((plugin) => plugin.name), []);
  });
});
