import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { LookupAddress } from 'node:dns';
import type { AddressInfo } from 'node:net';
import { Webhook as Verifier } from 'standardwebhooks';
import { addressProblem, RefusedAddressError, urlProblem, type Resolver } from '../../plugins/webhooks/addresses.js';
import { newSecret, secretProblem } from '../../plugins/webhooks/resources.js';
import { postSigned } from '../../plugins/webhooks/send.js';

const STRICT = { allowLoopback: false, allowPrivateNetworks: false };
const LOOPBACK_ONLY = { allowLoopback: true, allowPrivateNetworks: false };

/** A resolver that answers every name with `addresses` (a stand-in for DNS). */
const resolvingTo = (...addresses: string[]): Resolver => (_hostname, callback) =>
  callback(null, addresses.map((address): LookupAddress => ({ address, family: address.includes(':') ? 6 : 4 })));

describe('webhook addresses', () => {
  it('refuses loopback and private addresses unless allowed, and lets public ones through', () => {
    for (const address of ['127.0.0.1', '127.255.0.9', '::1', '0.0.0.0', '::', '::ffff:127.0.0.1']) {
      assert.match(addressProblem(address, STRICT) ?? '', /loopback/, address);
      assert.equal(addressProblem(address, LOOPBACK_ONLY), undefined, address);
    }
    for (const address of ['10.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.0.1', '169.254.169.254', 'fd00::1', 'fc00::1', 'fe80::1', '::ffff:10.0.0.1']) {
      assert.match(addressProblem(address, STRICT) ?? '', /private or link-local/, address);
      assert.equal(addressProblem(address, { allowLoopback: false, allowPrivateNetworks: true }), undefined, address);
    }
    for (const address of ['93.184.216.34', '172.32.0.1', '8.8.8.8', '2606:4700::1111']) assert.equal(addressProblem(address, STRICT), undefined, address);
  });

  it('judges a URL by its literal address or a localhost name, without DNS', () => {
    assert.match(urlProblem(new URL('http://0x7f000001/'), STRICT) ?? '', /127\.0\.0\.1 is a loopback/);
    assert.match(urlProblem(new URL('http://LOCALHOST./x'), STRICT) ?? '', /this server/);
    assert.match(urlProblem(new URL('http://[::ffff:192.168.0.1]/'), STRICT) ?? '', /private/);
    assert.equal(urlProblem(new URL('http://localhost/'), LOOPBACK_ONLY), undefined);
    assert.equal(urlProblem(new URL('https://hooks.example.com/'), STRICT), undefined);
  });

  it('makes secrets of the Standard Webhooks shape and refuses those that cannot sign', () => {
    const secret = newSecret();
    assert.equal(secretProblem(secret), undefined);
    assert.equal(Buffer.from(secret.slice(6), 'base64').length, 32);
    assert.match(secretProblem('whsec_c2hvcnQ=') ?? '', /24 to 64 bytes/);
    assert.match(secretProblem(`whsec_${Buffer.alloc(65).toString('base64')}`) ?? '', /24 to 64 bytes/);
    assert.match(secretProblem('not a secret') ?? '', /whsec_/);
  });
});

describe('signed delivery posts', () => {
  const withReceiver = async (answer: 'ok' | 'never', run: (url: string, received: { headers: IncomingHttpHeaders; body: string }[]) => Promise<void>) => {
    const received: { headers: IncomingHttpHeaders; body: string }[] = [];
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => { body += chunk; });
      request.on('end', () => {
        received.push({ headers: request.headers, body });
        if (answer === 'ok') response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      await run(`http://webhooks.test:${(server.address() as AddressInfo).port}/in`, received);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  };
  const post = (url: string, secret = newSecret()) => ({ url, secret, messageId: '42', body: '{"id":"42","type":"created"}' });

  it('refuses a host name that resolves to a refused address when connecting (DNS rebinding)', async () => {
    await withReceiver('ok', async (url, received) => {
      const signal = new AbortController().signal;
      await assert.rejects(postSigned(post(url), { policy: STRICT, signal, resolve: resolvingTo('127.0.0.1') }),
        (error: Error) => error instanceof RefusedAddressError && /webhooks\.test resolves to 127\.0\.0\.1 is a loopback address/.test(error.message));
      // Every address counts, not only the first.
      await assert.rejects(postSigned(post(url), { policy: STRICT, signal, resolve: resolvingTo('93.184.216.34', '10.0.0.7') }), RefusedAddressError);
      assert.equal(received.length, 0);
    });
  });

  it('posts the body signed with webhook-id, webhook-timestamp and webhook-signature, and resolves to the status', async () => {
    await withReceiver('ok', async (url, received) => {
      const message = post(url);
      const status = await postSigned(message, { policy: LOOPBACK_ONLY, signal: new AbortController().signal, resolve: resolvingTo('127.0.0.1') });
      assert.equal(status, 204);
      assert.equal(received[0].body, message.body);
      assert.equal(received[0].headers['webhook-id'], '42');
      assert.match(String(received[0].headers['webhook-timestamp']), /^\d{10}$/);
      assert.deepEqual(new Verifier(message.secret).verify(received[0].body, received[0].headers as Record<string, string>), { id: '42', type: 'created' });
    });
  });

  it('gives up on a receiver that does not answer within the timeout', async () => {
    await withReceiver('never', async (url) => {
      await assert.rejects(postSigned(post(url), { policy: LOOPBACK_ONLY, signal: new AbortController().signal, timeout: 200, resolve: resolvingTo('127.0.0.1') }),
        /no answer within 0.2 s/);
    });
  });
});
