import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { BACKENDS } from '../support/backends.js';
import { waitFor } from '../support/jobs.js';

/**
 * Group commit survives a crash (issue 17): a server taking a burst of concurrent writes, grouped
 * into shared transactions, is killed with SIGKILL in the middle of it, and restarted on the same
 * SQLite file — several times. Every write that was answered 2xx is there after the restart (with
 * its change event); no write that was answered with an error is (422 invalid, 409 duplicate, 409
 * from a hook that threw after the rows and event were written, 412 stale If-Match), nor its event.
 * Writes cut off by the kill were never answered, so either outcome is right for them.
 */
const ENTRY = fileURLToPath(new URL('../support/crash-server-entry.js', import.meta.url));
const ROUNDS = 3;
const CLIENTS = 24;
const TAKEN = 'taken';
const FAILING_TEXT = 'after hook fails';

interface Server { readonly baseUrl: string; kill(): Promise<void> }

async function startServer(url: string): Promise<Server> {
  const child = spawn(process.execPath, [ENTRY], { env: { ...process.env, STRATA_DATABASE_URL: url }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  const exited = once(child, 'exit');
  const port = await waitFor(() => {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}: ${output}`);
    return /listening on (\d+)/.exec(output)?.[1];
  }, 'the server to listen', 20_000);
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** One request on a keep-alive agent; undefined when the connection broke (the server was killed). */
function send(agent: http.Agent, baseUrl: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any } | undefined> {
  return new Promise((resolve) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const request = http.request(`${baseUrl}${path}`, {
      agent, method,
      headers: { ...headers, ...(payload === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(payload)) }) },
    }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: response.statusCode ?? 0, body: text ? JSON.parse(text) : undefined });
      });
      response.on('error', () => resolve(undefined));
    });
    request.on('error', () => resolve(undefined));
    request.end(payload);
  });
}

/** What the burst learned: the writes answered 2xx and those answered with an error. */
interface Outcome {
  readonly created: Map<string, string>;
  readonly refusedCodes: Set<string>;
  readonly refusedStatuses: Set<number>;
  answered: number;
}

describe('group commit: kill -9 during a burst of grouped writes, sqlite-file', () => {
  let database: { url: string; dispose(): Promise<void> };
  let server: Server | undefined;
  let stale: { id: string };
  const outcome: Outcome = { created: new Map(), refusedCodes: new Set(), refusedStatuses: new Set(), answered: 0 };
  before(async () => {
    database = await BACKENDS.find((backend) => backend.name === 'sqlite-file')!.create();
    server = await startServer(database.url);
    const agent = new http.Agent({ keepAlive: true });
    const taken = await send(agent, server.baseUrl, 'POST', '/tickets', { code: TAKEN, text: 'the first' });
    assert.equal(taken?.status, 201);
    const target = await send(agent, server.baseUrl, 'POST', '/tickets', { code: 'stale-target', text: 'never patched' });
    assert.equal(target?.status, 201);
    stale = target!.body;
    agent.destroy();
  });
  after(async () => {
    await server?.kill();
    await database?.dispose();
  });

  /**
   * CLIENTS keep-alive clients send writes one after another — creates, invalid creates, duplicates,
   * creates a hook fails, stale patches — until `killAfter` answers have come, then the server is
   * killed while they are still sending.
   */
  async function burst(round: number, killAfter: number): Promise<void> {
    const running = server!;
    const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
    let killed = false;
    let serial = 0;
    const client = async () => {
      while (!killed) {
        const index = serial++;
        const code = `r${round}-${index}`;
        const kind = index % 6;
        const answer = kind === 4
          ? await send(agent, running.baseUrl, 'PATCH', `/tickets/${stale.id}`, { n: index }, { 'If-Match': '"stale"' })
          : await send(agent, running.baseUrl, 'POST', '/tickets', kind === 1 ? { code, text: '' }
            : kind === 2 ? { code: TAKEN, text: `duplicate ${code}` }
              : kind === 3 ? { code, text: FAILING_TEXT }
                : { code, text: `ticket ${code}`, n: index });
        if (answer === undefined) return;
        outcome.answered++;
        if (answer.status === 201) outcome.created.set(code, answer.body.id);
        else {
          assert.ok(answer.status >= 400 && answer.status < 500, `${code}: ${answer.status} ${JSON.stringify(answer.body)}`);
          outcome.refusedStatuses.add(answer.status);
          outcome.refusedCodes.add(code);
        }
        if (!killed && outcome.answered >= killAfter) {
          killed = true;
          await running.kill();
        }
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, client));
    agent.destroy();
  }

  it(`keeps every acknowledged write and none answered with an error, over ${ROUNDS} kills`, async () => {
    for (let round = 1; round <= ROUNDS; round++) {
      // A different point of the burst each time; the writes in flight at the kill are unanswered.
      await burst(round, outcome.answered + 150 + round * 37);
      server = await startServer(database.url);
      const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
      try {
        for (const [code, id] of outcome.created) {
          const found = await send(agent, server.baseUrl, 'GET', `/tickets/${id}`);
          assert.equal(found?.status, 200, `acknowledged ${code} (${id}) is missing after kill ${round}`);
          assert.equal(found.body.code, code);
        }
        for (const code of outcome.refusedCodes) {
          const found = await send(agent, server.baseUrl, 'GET', `/tickets?where[code]=${encodeURIComponent(code)}`);
          assert.deepEqual(found?.body.items, [], `${code} was answered with an error but is stored after kill ${round}`);
        }
        const taken = await send(agent, server.baseUrl, 'GET', `/tickets?where[code]=${TAKEN}`);
        assert.deepEqual(taken?.body.items.map((item: { text: string }) => item.text), ['the first']);
        const target = await send(agent, server.baseUrl, 'GET', `/tickets/${stale.id}`);
        assert.equal(target?.body._meta.revision, 1, 'a patch answered 412 was stored');
        // The change log: a created event for every acknowledged create, none for a refused one.
        const createdEvents = new Set<string>();
        const eventCodes = new Set<string>();
        let cursor: string | null = null;
        do {
          const page = await send(agent, server.baseUrl, 'GET', `/_events?type=created&limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, undefined, { Accept: 'application/json' });
          assert.equal(page?.status, 200);
          for (const event of page!.body.items) {
            createdEvents.add(event.resourceId);
            eventCodes.add(event.data.code);
          }
          cursor = page!.body.nextCursor;
        } while (cursor);
        for (const [code, id] of outcome.created) assert.ok(createdEvents.has(id), `the event of acknowledged ${code} is missing after kill ${round}`);
        for (const code of outcome.refusedCodes) assert.ok(!eventCodes.has(code), `${code} was answered with an error but its event is stored`);
      } finally {
        agent.destroy();
      }
      if (round < ROUNDS) continue;
      // Every kind of refusal happened: invalid (422), duplicate and hook (409), stale If-Match (412).
      assert.deepEqual([...outcome.refusedStatuses].sort(), [409, 412, 422]);
      assert.ok(outcome.created.size > 100, `only ${outcome.created.size} creates were acknowledged`);
    }
  });
});
