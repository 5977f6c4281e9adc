import type { RequestLimits } from './limits.js';

/** Options of the GraphQL plugin. */
export interface GraphQLOptions {
  /** Where the endpoint is served (default `/graphql`). */
  path?: string;
  /** Deepest field nesting per request, fragments expanded (default 15: what GraphiQL's introspection query needs). */
  maxDepth?: number;
  /** Highest cost per request (default 10,000): objects cost 1, scalars 0, a list its page times `limit`. */
  maxComplexity?: number;
  /** Most aliased fields per request, fragments expanded (default 50). */
  maxAliases?: number;
  /** Answer introspection queries (default: on, except when NODE_ENV is production). */
  introspection?: boolean;
  /** Serve GraphiQL to browsers at `path` (default: as `introspection`, which it needs). */
  graphiql?: boolean;
  /** Largest request body (default 1 MB); larger bodies are a 413 PAYLOAD_TOO_LARGE. */
  bodyLimit?: string | number;
}

/** Options with defaults applied, and problems with them. */
export interface ResolvedGraphQLOptions {
  readonly path: string;
  readonly limits: RequestLimits;
  readonly introspection: boolean;
  readonly graphiql: boolean;
  readonly bodyLimit: string | number;
  readonly problems: readonly string[];
}

/** The default limits; see docs/graphql.md for what they allow. */
export const DEFAULT_LIMITS: RequestLimits = { maxDepth: 15, maxComplexity: 10_000, maxAliases: 50 };

/** Applies defaults (introspection and GraphiQL are off by default in production) and collects problems. */
export function resolveGraphQLOptions(options: GraphQLOptions, environment: NodeJS.ProcessEnv = process.env): ResolvedGraphQLOptions {
  const problems: string[] = [];
  const limit = (name: keyof RequestLimits): number => {
    const value = options[name] ?? DEFAULT_LIMITS[name];
    if (Number.isSafeInteger(value) && value >= 1) return value;
    problems.push(`option ${name} must be a whole number of at least 1, got ${String(value)}`);
    return DEFAULT_LIMITS[name];
  };
  const path = options.path ?? '/graphql';
  if (!/^\/[^?#]*[^/?#]$/.test(path)) problems.push(`option path must be an absolute path such as /graphql, without a trailing slash; got ${path}`);
  const introspection = options.introspection ?? environment.NODE_ENV !== 'production';
  const graphiql = options.graphiql ?? introspection;
  if (graphiql && !introspection) problems.push('option graphiql needs introspection, which is off; set graphiql: false or introspection: true');
  return {
    path, introspection, graphiql, bodyLimit: options.bodyLimit ?? '1mb', problems,
    limits: { maxDepth: limit('maxDepth'), maxComplexity: limit('maxComplexity'), maxAliases: limit('maxAliases') },
  };
}
