import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { StrataError, type CurrentUser, type Database, type Row } from '../../lib/plugin-api.js';
import { unauthorized } from './challenge.js';
import { API_KEYS_TABLE } from './schema.js';

/** An API key as stored and listed: everything but the key itself, which only its creator ever sees. */
export interface ApiKey {
  id: string;
  name: string;
  roles: string[];
  /** The public part of the key (`strata_<prefix>_…`), to tell keys apart. */
  prefix: string;
  createdAt: string;
  /** When it was revoked; null while it works. */
  revokedAt: string | null;
  /** When it last authenticated a request (updated at most once a minute); null when never. */
  lastUsedAt: string | null;
}

/** A key just made: the stored record plus the key, shown this once. */
export interface CreatedApiKey extends ApiKey {
  /** `strata_<prefix>_<secret>`: send it as `Authorization: Bearer <key>` or `X-Api-Key: <key>`. */
  key: string;
}

/**
 * The `apiKeys` service (`strata.service<ApiKeysService>('apiKeys')`, or `context.require` in a
 * plugin): what `strata api-keys create|list|revoke` does, for apps and tests.
 */
export interface ApiKeysService {
  /** Makes a key (names: letters, digits, `.`, `-`, `_`, unique among keys not revoked); returns it once with its record. */
  create(input: { name: string; roles?: readonly string[] }): Promise<CreatedApiKey>;
  /** Every key, revoked ones too, oldest first; never a key or its hash. */
  list(): Promise<ApiKey[]>;
  /** Revokes the key with this id, or the key not revoked with this name; revoking again changes nothing. NOT_FOUND when there is none. */
  revoke(idOrName: string): Promise<ApiKey>;
}

/** `strata_` + 12 hex digits (the lookup prefix) + `_` + 43 base64url characters (32 random bytes). */
export const API_KEY_PATTERN = /^strata_([0-9a-f]{12})_[A-Za-z0-9_-]{43}$/;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const ROLE = /^[^\s,]{1,100}$/;
const MAX_ROLES = 50;
/** lastUsedAt is written at most this often per key, so using a key is not a write per request. */
const LAST_USED_GRANULARITY_MS = 60_000;
const TABLE = `"${API_KEYS_TABLE}"`;

/** API keys in the plugin's own table: made, listed, revoked, and checked per request. */
export class ApiKeyStore implements ApiKeysService {
  constructor(private readonly database: () => Database) {}

  async create(input: { name: string; roles?: readonly string[] }): Promise<CreatedApiKey> {
    const name = input?.name;
    const roles = input?.roles ?? [];
    const problems = [
      ...(typeof name === 'string' && NAME.test(name) ? [] : [{ path: 'name', message: 'name must be 1-100 letters, digits, ".", "-" or "_", beginning with a letter or digit', constraint: 'matches' }]),
      ...(Array.isArray(roles) && roles.length <= MAX_ROLES && roles.every((role) => typeof role === 'string' && ROLE.test(role))
        ? [] : [{ path: 'roles', message: `roles must be a list of at most ${MAX_ROLES} role names, each 1-100 characters with no spaces or commas`, constraint: 'isRoleList' }]),
    ];
    if (problems.length > 0) throw StrataError.validation(problems);
    const prefix = randomBytes(6).toString('hex');
    const key = `strata_${prefix}_${randomBytes(32).toString('base64url')}`;
    const record: ApiKey = { id: uuidv7(), name, roles: [...new Set(roles)], prefix, createdAt: new Date().toISOString(), revokedAt: null, lastUsedAt: null };
    const database = this.database();
    await database.transaction(async () => {
      const taken = await database.all(`SELECT "id" FROM ${TABLE} WHERE "name" = ? AND "revoked_at" IS NULL`, [name]);
      if (taken.length > 0) throw StrataError.conflict(`an API key named ${name} exists; revoke it first (strata api-keys revoke ${name}) or choose another name`);
      await database.run(
        `INSERT INTO ${TABLE} ("id", "name", "roles", "prefix", "hash", "created_at") VALUES (?, ?, ?, ?, ?, ?)`,
        [record.id, name, JSON.stringify(record.roles), prefix, hashOf(key), record.createdAt],
      );
    });
    return { ...record, key };
  }

  async list(): Promise<ApiKey[]> {
    const rows = await this.database().all(`SELECT * FROM ${TABLE} ORDER BY "created_at", "id"`);
    return rows.map(toApiKey);
  }

  async revoke(idOrName: string): Promise<ApiKey> {
    const database = this.database();
    return database.transaction(async () => {
      const byId = await database.all(`SELECT * FROM ${TABLE} WHERE "id" = ?`, [idOrName]);
      const row = byId[0] ?? (await database.all(`SELECT * FROM ${TABLE} WHERE "name" = ? AND "revoked_at" IS NULL`, [idOrName]))[0];
      if (!row) throw new StrataError('NOT_FOUND', `there is no API key with id ${idOrName} and none not revoked named ${idOrName}`);
      if (row.revoked_at !== null) return toApiKey(row);
      const revokedAt = new Date().toISOString();
      await database.run(`UPDATE ${TABLE} SET "revoked_at" = ? WHERE "id" = ?`, [revokedAt, row.id]);
      return toApiKey({ ...row, revoked_at: revokedAt });
    });
  }

  /** The user of a presented key; an unknown, malformed or revoked key throws a 401. */
  async authenticate(key: string): Promise<CurrentUser> {
    const prefix = API_KEY_PATTERN.exec(key)?.[1];
    if (!prefix) throw unauthorized('the API key is malformed', 'invalid_token');
    const database = this.database();
    const row = (await database.all(`SELECT * FROM ${TABLE} WHERE "prefix" = ?`, [prefix]))[0];
    // Compared in constant time, so the answer's timing tells nothing about the stored hash.
    if (!row || !timingSafeEqual(Buffer.from(hashOf(key), 'hex'), Buffer.from(String(row.hash), 'hex'))) throw unauthorized('the API key is not known', 'invalid_token');
    if (row.revoked_at !== null) throw unauthorized('the API key was revoked', 'invalid_token');
    const now = Date.now();
    if (row.last_used_at === null || now - Date.parse(String(row.last_used_at)) >= LAST_USED_GRANULARITY_MS) {
      await database.run(`UPDATE ${TABLE} SET "last_used_at" = ? WHERE "id" = ?`, [new Date(now).toISOString(), row.id]);
    }
    const apiKey = toApiKey(row);
    return { id: `apikey:${apiKey.id}`, roles: apiKey.roles, claims: { apiKey: apiKey.name } };
  }
}

/** The stored form of a key: its SHA-256 (the key holds 256 random bits, so no slow hash is needed). */
function hashOf(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

function toApiKey(row: Row): ApiKey {
  return {
    id: String(row.id), name: String(row.name), roles: JSON.parse(String(row.roles)) as string[], prefix: String(row.prefix),
    createdAt: String(row.created_at), revokedAt: row.revoked_at === null ? null : String(row.revoked_at),
    lastUsedAt: row.last_used_at === null ? null : String(row.last_used_at),
  };
}
