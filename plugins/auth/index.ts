import { definePlugin, type CurrentUser, type PluginContext, type SecurityScheme, type StrataPlugin } from '../../lib/plugin-api.js';
import { API_KEY_PATTERN, ApiKeyStore, type ApiKeysService } from './api-keys.js';
import { unauthorized } from './challenge.js';
import { readCredential } from './credentials.js';
import { createJwtVerifier, type JwtVerifier } from './jwt.js';
import { optionProblems, type AuthOptions } from './options.js';
import { apiKeyEntitySchema } from './schema.js';

export type { ApiKey, ApiKeysService, CreatedApiKey } from './api-keys.js';
export type { AuthOptions, JwtOptions } from './options.js';
export { API_KEYS_TABLE } from './schema.js';

/**
 * The authentication plugin (docs/authentication.md): finds the caller of every request from a JWT
 * bearer token (verified with jose: a secret, a public key or a JWKS) or an API key (made with
 * `strata api-keys create` or the `apiKeys` service, stored as a hash). A request without a
 * credential is left to the app's `currentUser` (anonymous by default); a bad credential is a 401
 * `UNAUTHORIZED` with `WWW-Authenticate`, never an anonymous call. The user is
 * `{ id: sub, roles: claims[rolesClaim ?? 'roles'], claims }` plus the token's own claims (`teamId` …) for a token and
 * `{ id: 'apikey:<id>', roles, claims: { apiKey: name } }` for a key.
 * @example await bootstrap(app, { resources: [Article], plugins: [authPlugin({ jwt: { secret: process.env.JWT_SECRET }, apiKeys: true })] });
 */
export function authPlugin(options: AuthOptions): StrataPlugin {
  const problems = optionProblems(options);
  const apiKeysOn = options?.apiKeys === true;
  const jwtOn = options?.jwt !== undefined && options.jwt !== null;
  let verifyJwt: JwtVerifier | undefined;
  const stores = new WeakMap<PluginContext, ApiKeyStore>();

  const resolve = async (context: PluginContext, request: unknown): Promise<CurrentUser | undefined> => {
    const credential = readCredential(request);
    if (!credential) return undefined;
    const store = stores.get(context);
    if (credential.kind === 'apiKey') {
      if (!store) throw unauthorized('API keys are not accepted here; send a bearer token', 'invalid_token');
      return store.authenticate(credential.key);
    }
    if (store && API_KEY_PATTERN.test(credential.token)) return store.authenticate(credential.token);
    if (!verifyJwt) throw unauthorized(store ? 'the bearer token is not an API key' : 'the bearer token cannot be checked', 'invalid_token');
    return verifyJwt(credential.token);
  };

  return definePlugin({
    name: 'auth',
    provides: apiKeysOn ? ['apiKeys'] : [],
    configure(context) {
      if (apiKeysOn) {
        context.addEntitySchema(apiKeyEntitySchema());
        const store = new ApiKeyStore(() => context.database);
        stores.set(context, store);
        context.provide<ApiKeysService>('apiKeys', { create: (input) => store.create(input), list: () => store.list(), revoke: (idOrName) => store.revoke(idOrName) });
      }
      context.authenticate((request) => resolve(context, request), { schemes: securitySchemes(jwtOn, apiKeysOn) });
    },
    async validate() {
      if (problems.length > 0) return problems;
      if (jwtOn && !verifyJwt) {
        const verifier = await createJwtVerifier(options.jwt!);
        if (typeof verifier === 'string') return [verifier];
        verifyJwt = verifier;
      }
      return [];
    },
  });
}

/** The credentials the plugin reads, as OpenAPI security schemes. */
function securitySchemes(jwt: boolean, apiKeys: boolean): Record<string, SecurityScheme> {
  const bearer = jwt && apiKeys ? 'A JWT or an API key' : jwt ? 'A JWT' : 'An API key';
  return {
    bearer: { type: 'http', scheme: 'bearer', ...(jwt ? { bearerFormat: 'JWT' } : {}), description: `${bearer} in \`Authorization: Bearer <token>\`.` },
    ...(apiKeys ? { apiKey: { type: 'apiKey', in: 'header', name: 'X-Api-Key', description: 'An API key made with `strata api-keys create`.' } } : {}),
  };
}
