import {
  GraphQLError, isLeafType, getNamedType, Kind,
  type DocumentNode, type FragmentDefinitionNode, type GraphQLSchema, type OperationDefinitionNode, type SelectionSetNode, type ValidationRule,
} from 'graphql';
import { createRequire } from 'node:module';
import type * as QueryComplexity from 'graphql-query-complexity/cjs';

// The CommonJS build, so it shares the one graphql-js instance (CommonJS) with type-graphql and graphql-http:
// its ES module build imports graphql/index.mjs, a second copy whose classes the schema's do not match.
const { fieldExtensionsEstimator, getComplexity } = createRequire(import.meta.url)('graphql-query-complexity') as typeof QueryComplexity;

/** The per-request limits of the GraphQL endpoint. */
export interface RequestLimits {
  /** Deepest field nesting (fragments expanded). */
  readonly maxDepth: number;
  /** Highest cost (see `queryComplexity`). */
  readonly maxComplexity: number;
  /** Most aliased fields (fragments expanded). */
  readonly maxAliases: number;
}

/** A limit exceeded: a request error (HTTP 400) with code BAD_REQUEST and which limit it was. */
export function limitError(limit: keyof RequestLimits, maximum: number, actual: number, message: string, node?: OperationDefinitionNode): GraphQLError {
  return new GraphQLError(message, { nodes: node ? [node] : undefined, extensions: { code: 'BAD_REQUEST', limit, maximum, actual } });
}

/** A validation rule refusing operations nested deeper than `maxDepth` fields. */
export function depthLimitRule(maxDepth: number): ValidationRule {
  return (context) => ({
    OperationDefinition(operation) {
      const depth = new SelectionWalker(context.getDocument()).depth(operation.selectionSet);
      if (depth > maxDepth) {
        context.reportError(limitError('maxDepth', maxDepth, depth,
          `The ${describe(operation)} nests fields ${depth} levels deep; at most ${maxDepth} are allowed. Ask for fewer nested fields or split the query.`, operation));
      }
    },
  });
}

/** A validation rule refusing operations with more than `maxAliases` aliased fields. */
export function aliasLimitRule(maxAliases: number): ValidationRule {
  return (context) => ({
    OperationDefinition(operation) {
      const aliases = new SelectionWalker(context.getDocument()).aliases(operation.selectionSet);
      if (aliases > maxAliases) {
        context.reportError(limitError('maxAliases', maxAliases, aliases,
          `The ${describe(operation)} uses ${aliases} aliases; at most ${maxAliases} are allowed per request. Send fewer aliased fields, or several requests.`, operation));
      }
    },
  });
}

/**
 * The cost of an operation with the request's variables: every object costs 1 and scalars are
 * free, and a paged field (`users`, `revisions`) multiplies its page by the `limit` asked for
 * (its `complexity` extension, see `pagedComplexity`). Throws the variables' GraphQLError when
 * they do not fit the operation.
 */
export function queryComplexity(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown> | undefined, operationName: string | undefined): number {
  return getComplexity({ schema, query: document, variables: variables ?? {}, operationName, estimators: [fieldExtensionsEstimator(), objectEstimator] });
}

const objectEstimator: QueryComplexity.ComplexityEstimator = ({ field, childComplexity }) => (isLeafType(getNamedType(field.type)) ? 0 : 1 + childComplexity);

/** Walks selection sets with fragment spreads expanded; each fragment is measured once. */
class SelectionWalker {
  private readonly fragments = new Map<string, FragmentDefinitionNode>();
  private readonly depths = new Map<string, number>();
  private readonly aliasCounts = new Map<string, number>();
  private readonly visiting = new Set<string>();

  constructor(document: DocumentNode) {
    for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) this.fragments.set(definition.name.value, definition);
  }

  depth(selectionSet: SelectionSetNode | undefined): number {
    let deepest = 0;
    for (const selection of selectionSet?.selections ?? []) {
      if (selection.kind === Kind.FIELD) deepest = Math.max(deepest, 1 + this.depth(selection.selectionSet));
      else if (selection.kind === Kind.INLINE_FRAGMENT) deepest = Math.max(deepest, this.depth(selection.selectionSet));
      else deepest = Math.max(deepest, this.fragment(selection.name.value, this.depths, (fragment) => this.depth(fragment.selectionSet)));
    }
    return deepest;
  }

  aliases(selectionSet: SelectionSetNode | undefined): number {
    let count = 0;
    for (const selection of selectionSet?.selections ?? []) {
      if (selection.kind === Kind.FIELD) count += (selection.alias ? 1 : 0) + this.aliases(selection.selectionSet);
      else if (selection.kind === Kind.INLINE_FRAGMENT) count += this.aliases(selection.selectionSet);
      else count += this.fragment(selection.name.value, this.aliasCounts, (fragment) => this.aliases(fragment.selectionSet));
    }
    return count;
  }

  /** A fragment's measure, memoized; an unknown or cyclic fragment (reported by the standard rules) counts 0. */
  private fragment(name: string, memo: Map<string, number>, measure: (fragment: FragmentDefinitionNode) => number): number {
    const known = memo.get(name);
    if (known !== undefined) return known;
    const fragment = this.fragments.get(name);
    if (!fragment || this.visiting.has(name)) return 0;
    this.visiting.add(name);
    const value = measure(fragment);
    this.visiting.delete(name);
    memo.set(name, value);
    return value;
  }
}

function describe(operation: OperationDefinitionNode): string {
  return operation.name ? `${operation.operation} ${operation.name.value}` : operation.operation;
}
