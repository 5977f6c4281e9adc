import { EntitySchema } from '@mikro-orm/core';
import type { Dialect } from '../../lib/plugin-api.js';

/** The idempotency keys every server shares: one row per caller and key, kept 24 h. */
export const IDEMPOTENCY_TABLE = 'strata_idempotency_keys';

/** The keys' table, added to the database additively at bootstrap. */
export function idempotencyEntitySchema(dialect: Dialect): EntitySchema {
  const text = (nullable: boolean) => ({ type: 'string', columnType: 'text', nullable });
  const properties: Record<string, { type: string; columnType: string; nullable?: boolean; primary?: boolean; fieldName?: string }> = {
    /** sha256 of the caller's id and the key: the key itself is not stored. */
    key_hash: { ...text(false), primary: true },
    /** sha256 of the method, the path and the body. */
    fingerprint: text(false),
    /** `running` until the first request answered, then `done`. */
    state: text(false),
    status: { type: 'number', columnType: dialect.columnType('integer'), nullable: true },
    headers: text(true),
    body: text(true),
    created_at: text(false),
    expires_at: text(false),
  };
  for (const [column, property] of Object.entries(properties)) property.fieldName = column;
  return new EntitySchema({
    name: 'StrataIdempotencyKey',
    tableName: IDEMPOTENCY_TABLE,
    properties: properties as never,
    indexes: [{ name: `${IDEMPOTENCY_TABLE}_expires_idx`, properties: ['expires_at'] }],
  });
}
