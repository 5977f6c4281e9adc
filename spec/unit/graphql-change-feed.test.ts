import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isStrataError, type ChangeType, type EventHandler, type EventsService, type StrataEvent } from '../../lib/plugin-api.js';
import { ChangeFeed, type ChangeFeedItem } from '../../plugins/graphql/change-feed.js';

/** An in-memory log follower: `emit` calls the followers of the event's resource, as the events plugin does once the log holds it. */
function fakeBus() {
  const listeners = new Set<{ handler: EventHandler; resource?: string }>();
  let sequence = 0;
  const bus: Pick<EventsService, 'follow'> & { emit(resource: string, type?: ChangeType, resourceId?: string): StrataEvent; readonly listening: number } = {
    follow(handler, filter = {}) {
      const listener = { handler, resource: filter.resource };
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit(resource, type = 'created', resourceId = `r${sequence + 1}`) {
      sequence += 1;
      const event: StrataEvent = { id: String(sequence), type, resource, resourceId, revision: 1, at: new Date().toISOString(), by: null, data: { id: resourceId } as never };
      for (const listener of [...listeners]) if (listener.resource === undefined || listener.resource === resource) listener.handler(event);
      return event;
    },
    get listening() { return listeners.size; },
  };
  return bus;
}

const idOf = (item: IteratorResult<ChangeFeedItem, undefined>) => (item.done ? 'done' : 'event' in item.value ? item.value.event.resourceId : 'error');

describe('ChangeFeed', () => {
  it('delivers the accepted events of its resource and types, in commit order', async () => {
    const bus = fakeBus();
    const feed = new ChangeFeed({
      bus, resource: 'articles', types: new Set<ChangeType>(['created', 'updated']), maxPending: 100,
      // Later events are decided sooner: the order must still be the commit order.
      accepts: (event) => new Promise((resolve) => setTimeout(() => resolve(event.resourceId !== 'rejected'), event.id === '1' ? 30 : 1)),
    });
    bus.emit('articles', 'created', 'a');
    bus.emit('authors', 'created', 'elsewhere');
    bus.emit('articles', 'deleted', 'other-type');
    bus.emit('articles', 'updated', 'rejected');
    bus.emit('articles', 'updated', 'b');
    assert.deepEqual([idOf(await feed.next()), idOf(await feed.next())], ['a', 'b']);
    await feed.return();
    assert.equal(bus.listening, 0);
  });

  it('asks whether to deliver as events arrive, at most 8 ahead of the reader', async () => {
    const bus = fakeBus();
    const asked: string[] = [];
    const feed = new ChangeFeed({ bus, resource: 'articles', maxPending: 100, accepts: async (event) => { asked.push(event.resourceId); return true; } });
    for (let index = 0; index < 20; index++) bus.emit('articles');
    assert.equal(asked.length, 8);
    await feed.next();
    assert.equal(asked.length, 9);
    await feed.return();
  });

  it('ends with RATE_LIMITED after the events it held when the reader falls more than maxPending behind', async () => {
    const bus = fakeBus();
    const feed = new ChangeFeed({ bus, resource: 'articles', maxPending: 3, accepts: async () => true });
    for (let index = 0; index < 5; index++) bus.emit('articles');
    assert.equal(bus.listening, 0, 'it stops listening at once');
    const items = [await feed.next(), await feed.next(), await feed.next(), await feed.next(), await feed.next()];
    assert.deepEqual(items.map(idOf), ['r1', 'r2', 'r3', 'error', 'done']);
    const last = items[3].value as { error: unknown };
    assert.ok(isStrataError(last.error) && last.error.code === 'RATE_LIMITED');
  });

  it('ends with the error accepts threw', async () => {
    const bus = fakeBus();
    const failure = new Error('search failed');
    const feed = new ChangeFeed({ bus, resource: 'articles', maxPending: 10, accepts: async (event) => { if (event.id === '2') throw failure; return true; } });
    bus.emit('articles');
    bus.emit('articles');
    bus.emit('articles');
    assert.equal(idOf(await feed.next()), 'r1');
    assert.deepEqual((await feed.next()).value, { error: failure });
    assert.equal(idOf(await feed.next()), 'done');
    assert.equal(bus.listening, 0);
  });

  it('stops listening on return(), and a reader waiting for an event gets done', async () => {
    const bus = fakeBus();
    const feed = new ChangeFeed({ bus, resource: 'articles', maxPending: 10, accepts: async () => true });
    const waiting = feed.next();
    await feed.return();
    assert.equal(idOf(await waiting), 'done');
    assert.equal(bus.listening, 0);
    bus.emit('articles');
    assert.equal(idOf(await feed.next()), 'done');
  });
});
