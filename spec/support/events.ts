import assert from 'node:assert/strict';
import type { StrataEvent } from '../../index.js';

/**
 * The committed sequence: every event of the change log, paged oldest first through
 * `GET /_events` (1,000 a page).
 * @example const ids = (await loggedEvents(app.baseUrl)).map((event) => event.id);
 */
export async function loggedEvents(baseUrl: string): Promise<StrataEvent[]> {
  const events: StrataEvent[] = [];
  let cursor: string | null = null;
  do {
    const response = await fetch(`${baseUrl}/_events?limit=1000${cursor ? `&cursor=${cursor}` : ''}`, { headers: { Accept: 'application/json' } });
    assert.equal(response.status, 200, `GET /_events answered ${response.status}`);
    const page = await response.json() as { items: StrataEvent[]; nextCursor: string | null };
    events.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return events;
}
