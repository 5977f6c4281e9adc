import type { SecurityScheme } from '../../lib/plugin-api.js';

/**
 * What the document says about authentication when plugins declared security schemes (with
 * `context.authenticate(resolver, { schemes })`): the schemes, and a top-level `security` that makes
 * each optional (`{}` first: anonymous calls are allowed where the permissions allow them). The 401
 * every operation then lists is a common problem (document.ts). Nothing without schemes.
 */
export function securityParts(schemes: Readonly<Record<string, SecurityScheme>>) {
  const names = Object.keys(schemes);
  if (names.length === 0) return undefined;
  return {
    securitySchemes: Object.fromEntries(names.map((name) => [name, { ...schemes[name] }])),
    security: [{}, ...names.map((name) => ({ [name]: [] as string[] }))],
  };
}
