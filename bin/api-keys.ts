/**
 * `strata api-keys create|list|revoke`: API keys of the auth plugin, in the database the app uses
 * (`--database <url>`, else STRATA_DATABASE_URL, else sqlite:./data/strata.sqlite). The table is
 * created when it is missing. Nothing else of the app is loaded or changed.
 */
import { parseArgs } from 'node:util';
import type { ApiKey, ApiKeysService } from '../index.js';

export const API_KEYS_USAGE = `Usage: strata api-keys create --name <name> [--roles <role>[,<role>…]] [--json]
       strata api-keys list [--json]
       strata api-keys revoke <id|name>

  Makes, lists and revokes the API keys authPlugin({ apiKeys: true }) accepts. create prints the
  key once: store it then. Keys are sent as Authorization: Bearer <key> or X-Api-Key: <key>.
  Every command takes --database <url> (default STRATA_DATABASE_URL, else sqlite:./data/strata.sqlite).`;

/** Runs `strata api-keys <args>`; returns the exit code (2 for a usage mistake, 1 when refused). */
export async function apiKeysCommand(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args, allowPositionals: true, strict: true,
      options: { name: { type: 'string' }, roles: { type: 'string' }, database: { type: 'string' }, json: { type: 'boolean' } },
    });
  } catch (error) {
    console.error(`strata api-keys: ${(error as Error).message}\n\n${API_KEYS_USAGE}`);
    return 2;
  }
  const { values, positionals: [action, ...rest] } = parsed;
  const usage = (problem: string) => {
    console.error(`strata api-keys: ${problem}\n\n${API_KEYS_USAGE}`);
    return 2;
  };
  if (action === 'create' && (values.name === undefined || rest.length > 0)) return usage('create needs --name <name> and nothing else');
  if (action === 'list' && (values.name !== undefined || values.roles !== undefined || rest.length > 0)) return usage('list takes only --database and --json');
  if (action === 'revoke' && (rest.length !== 1 || values.name !== undefined || values.roles !== undefined)) return usage('revoke takes one id or name');
  if (!['create', 'list', 'revoke'].includes(action ?? '')) return usage(action ? `unknown action ${action}` : 'name an action');

  const { authPlugin, bootstrap, isStrataError } = await import('../index.js');
  const strata = await bootstrap(null, {
    resources: [], defaultPlugins: false, plugins: [authPlugin({ apiKeys: true })], logLevel: 'error',
    ...(values.database !== undefined ? { database: values.database } : {}),
  });
  try {
    const keys = strata.service<ApiKeysService>('apiKeys');
    if (action === 'create') {
      const roles = values.roles === undefined ? [] : values.roles.split(',').map((role) => role.trim()).filter((role) => role !== '');
      const created = await keys.create({ name: values.name!, roles });
      if (values.json) console.log(JSON.stringify(created));
      else {
        console.log(`Created API key ${created.name} (id ${created.id}, roles: ${created.roles.join(', ') || 'none'}). It is shown this once:`);
        console.log(created.key);
      }
    } else if (action === 'list') {
      const list = await keys.list();
      if (values.json) console.log(JSON.stringify(list));
      else console.log(list.length === 0 ? 'No API keys.' : list.map(describe).join('\n'));
    } else {
      const revoked = await keys.revoke(rest[0]);
      console.log(`Revoked API key ${revoked.name} (id ${revoked.id}) at ${revoked.revokedAt}.`);
    }
    return 0;
  } catch (error) {
    if (!isStrataError(error)) throw error;
    console.error(`strata api-keys ${action}: ${error.message}`);
    return 1;
  } finally {
    await strata.close();
  }
}

function describe(key: ApiKey): string {
  const status = key.revokedAt ? `revoked ${key.revokedAt}` : 'active';
  return `${key.id}  ${key.name}  roles: ${key.roles.join(',') || '-'}  strata_${key.prefix}_…  created ${key.createdAt}  last used ${key.lastUsedAt ?? 'never'}  ${status}`;
}
