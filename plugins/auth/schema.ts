import { EntitySchema } from '@mikro-orm/core';

/** The API keys' table: one row per key, holding its hash, never the key. */
export const API_KEYS_TABLE = 'strata_api_keys';

/** The API keys' table, added to the database additively at bootstrap (and by `strata api-keys`). */
export function apiKeyEntitySchema(): EntitySchema {
  const text = (nullable: boolean) => ({ type: 'string', columnType: 'text', nullable });
  const properties: Record<string, { type: string; columnType: string; nullable?: boolean; primary?: boolean; fieldName?: string }> = {
    id: { ...text(false), primary: true },
    name: text(false),
    roles: text(false),
    prefix: text(false),
    hash: text(false),
    created_at: text(false),
    revoked_at: text(true),
    last_used_at: text(true),
  };
  for (const [column, property] of Object.entries(properties)) property.fieldName = column;
  return new EntitySchema({
    name: 'StrataApiKey',
    tableName: API_KEYS_TABLE,
    properties: properties as never,
    uniques: [{ name: `${API_KEYS_TABLE}_prefix_unique`, properties: ['prefix'] }],
    indexes: [{ name: `${API_KEYS_TABLE}_name_idx`, properties: ['name'] }],
  });
}
