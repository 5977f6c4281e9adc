import { EntitySchema } from '@mikro-orm/core';
import type { Dialect } from '../../lib/plugin-api.js';

/** The change log: one row per committed change, ids growing in commit order. */
export const EVENTS_TABLE = 'strata_events';

/** The PostgreSQL channel the appends notify (with an empty payload) so every server's streams read the log. */
export const EVENTS_CHANNEL = 'strata_events';

/** The change log's table, added to the database additively at bootstrap. */
export function eventEntitySchema(dialect: Dialect): EntitySchema {
  const text = (nullable: boolean) => ({ type: 'string', columnType: 'text', nullable });
  const properties: Record<string, { type: string; columnType: string; nullable?: boolean; primary?: boolean; autoincrement?: boolean; fieldName?: string }> = {
    id: { type: 'number', columnType: dialect.name === 'postgresql' ? 'bigserial' : 'integer', primary: true, autoincrement: true },
    type: text(false),
    resource: text(false),
    resource_id: text(false),
    revision: { type: 'number', columnType: dialect.columnType('integer'), nullable: true },
    at: text(false),
    by: text(true),
    data: text(true),
  };
  for (const [column, property] of Object.entries(properties)) property.fieldName = column;
  return new EntitySchema({
    name: 'StrataEvent',
    tableName: EVENTS_TABLE,
    properties: properties as never,
    indexes: [
      { name: `${EVENTS_TABLE}_resource_idx`, properties: ['resource', 'id'] },
      { name: `${EVENTS_TABLE}_resource_id_idx`, properties: ['resource_id', 'id'] },
      { name: `${EVENTS_TABLE}_at_idx`, properties: ['at'] },
    ],
  });
}
