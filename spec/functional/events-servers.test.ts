import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import type { StrataEvent } from '../../index.js';
import { BACKENDS, POSTGRES_ADMIN_URL } from '../support/backends.js';
import { startEventServer, type ServerProcess } from '../support/event-servers.js';
import { openGraphQLSocket } from '../support/graphql-ws.js';
import { openSse, type SseClient } from '../support/sse.js';

/**
 * Several servers on one PostgreSQL (DESIGN.md section 11): a change committed through any server
 * reaches the streams of every server, carried by LISTEN/NOTIFY (the servers poll only once a
 * minute here, so the poll cannot be what delivers it), also after the LISTEN connection is lost;
 * and a client resumes from the log with no gap after the server it was on restarts.
 */
const postgres = BACKENDS.find((backend) => backend.name === 'postgres')!;
/** The servers' poll: far longer than any wait below. */
const SLOW_POLL = { EVENTS_POLL_MS: '60000' };

describe('change events across server processes: postgres', () => {
  let url: string;
  let dispose: () => Promise<void>;
  let serverA: ServerProcess;
  let serverB: ServerProcess;
  before(async () => {
    const database = await postgres.create();
    url = database.url;
    dispose = database.dispose;
    // One after the other: the first creates the tables.
    serverA = await startEventServer({ STRATA_DATABASE_URL: url, ...SLOW_POLL });
    serverB = await startEventServer({ STRATA_DATABASE_URL: url, ...SLOW_POLL });
  });
  after(async () => {
    await serverA?.kill();
    await serverB?.kill();
    await dispose?.();
  });

  let serial = 0;
  const create = async (server: ServerProcess) => {
    const response = await fetch(`${server.baseUrl}/memos`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ text: `Memo ${++serial}`, n: serial }) });
    assert.equal(response.status, 201, await response.clone().text());
    return (await response.json() as { id: string }).id;
  };
  /** Creates a memo through `writer` and returns how long `stream` took to show it, from the moment the POST was sent. */
  const latency = async (writer: ServerProcess, stream: SseClient, ...others: SseClient[]) => {
    const seen = stream.messages.length;
    const started = performance.now();
    const id = await create(writer);
    const [message] = (await stream.waitFor(seen + 1, 5000)).slice(seen);
    const elapsed = performance.now() - started;
    assert.equal((JSON.parse(message.data!) as StrataEvent).resourceId, id);
    for (const other of others) await other.waitFor(seen + 1, 5000);
    return elapsed;
  };

  it('shows a change made through server A to an SSE client on server B within 1 s', async (t) => {
    const onB = await openSse(`${serverB.baseUrl}/_events`);
    const onA = await openSse(`${serverA.baseUrl}/_events`);
    try {
      const latencies: number[] = [];
      for (let index = 0; index < 10; index++) latencies.push(await latency(serverA, onB, onA));
      // And the other way round: B's changes reach A.
      const back = await openSse(`${serverA.baseUrl}/_events`);
      latencies.push(await latency(serverB, back));
      back.close();
      t.diagnostic(`latency from POST on one server to SSE on the other: max ${Math.max(...latencies).toFixed(0)} ms, all ${latencies.map((ms) => ms.toFixed(0)).join(', ')}`);
      assert.ok(Math.max(...latencies) < 1000, `a change took ${Math.max(...latencies).toFixed(0)} ms to reach the other server's stream`);
      const [fromA, fromB] = [await onA.waitFor(11), await onB.waitFor(11)];
      assert.deepEqual(fromA.map((message) => message.id), fromB.map((message) => message.id), 'both servers stream the same sequence');
    } finally {
      onA.close();
      onB.close();
    }
  });

  it('delivers a change made through server A to a GraphQL subscription on server B, once', async () => {
    const socket = await openGraphQLSocket(`${serverB.baseUrl.replace('http', 'ws')}/graphql`);
    try {
      socket.subscribe('memos', 'subscription { memoChanged(types: [CREATED]) { type memo { id } } }');
      // The subscription is live once a change through B itself arrives.
      for (let attempt = 0; socket.messagesOf('memos').length === 0; attempt++) {
        assert.ok(attempt < 50, 'the subscription on B heard nothing of B\'s own change');
        await create(serverB);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const heard = socket.messagesOf('memos').length;
      const fromA = [await create(serverA), await create(serverA)];
      const messages = (await socket.waitFor('memos', heard + 2, 2000)).slice(heard);
      assert.deepEqual(messages.map((message) => (message.payload as any).data.memoChanged.memo.id), fromA);
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(socket.messagesOf('memos').length, heard + 2, 'each change once');
    } finally {
      socket.close();
    }
  });

  it('listens again after the LISTEN connection is lost, even while the database refuses connections for a while', async (t) => {
    const onB = await openSse(`${serverB.baseUrl}/_events`);
    const name = new URL(url).pathname.slice(1);
    try {
      // Refuse new connections, drop every LISTEN connection, and let the reconnections fail a while.
      await admin(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS false`);
      const dropped = await admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND query LIKE 'LISTEN%'`, [name]);
      assert.equal(dropped.length, 2, 'each server had one LISTEN connection');
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await admin(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS true`);
      // Give the servers a moment to reconnect (they retry every second at most), then expect the usual latency.
      const deadline = Date.now() + 5000;
      while ((await admin(`SELECT pid FROM pg_stat_activity WHERE datname = $1 AND query LIKE 'LISTEN%'`, [name])).length < 2) {
        assert.ok(Date.now() < deadline, 'both servers listen again within 5 s of the database taking connections again');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const elapsed = await latency(serverA, onB);
      t.diagnostic(`latency after listening again: ${elapsed.toFixed(0)} ms`);
      assert.ok(elapsed < 1000, `a change took ${elapsed.toFixed(0)} ms to reach B after B listened again`);
    } finally {
      await admin(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS true`);
      onB.close();
    }
  });

  it('ends its streams as it stops, and a client resumes with Last-Event-ID from the log after the restart: no gap, no duplicate', async (t) => {
    const onB = await openSse(`${serverB.baseUrl}/_events`);
    for (let index = 0; index < 3; index++) await create(serverA);
    const before = await onB.waitFor(3);
    // SIGTERM: Strata's close ends the open stream, so the server can stop at once.
    const stopping = performance.now();
    const stopped = serverB.stop(5000);
    await onB.ended;
    const ended = performance.now() - stopping;
    await stopped;
    t.diagnostic(`server B ended its stream ${ended.toFixed(0)} ms after SIGTERM and exited ${(performance.now() - stopping).toFixed(0)} ms after`);
    assert.ok(ended < 1000, `server B took ${ended.toFixed(0)} ms to end its stream`);
    const missed: string[] = [];
    for (let index = 0; index < 5; index++) missed.push(await create(serverA));
    serverB = await startEventServer({ STRATA_DATABASE_URL: url, ...SLOW_POLL });
    const resumed = await openSse(`${serverB.baseUrl}/_events`, { 'Last-Event-ID': before[before.length - 1].id! });
    try {
      const caughtUp = await resumed.waitFor(5);
      assert.deepEqual(caughtUp.map((message) => (JSON.parse(message.data!) as StrataEvent).resourceId), missed);
      const live = await create(serverA);
      const [next] = (await resumed.waitFor(6, 1000)).slice(5);
      assert.equal((JSON.parse(next.data!) as StrataEvent).resourceId, live);
      const ids = [...before, ...caughtUp, next].map((message) => BigInt(message.id!));
      assert.ok(ids.every((id, index) => index === 0 || id > ids[index - 1]), 'ids grow across the restart');
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(resumed.messages.length, 6, 'nothing twice');
    } finally {
      resumed.close();
    }
  });
});

async function admin(sql: string, params: unknown[] = []): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows;
  } finally {
    await client.end();
  }
}
