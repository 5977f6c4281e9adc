import {
  BREAK, getNamedType, getNullableType, getOperationAST, isInputObjectType, isScalarType, Kind, NoSchemaIntrospectionCustomRule, parse,
  specifiedRules, typeFromAST, TypeInfo, validate, visit, visitWithTypeInfo,
  type ASTNode, type DocumentNode, type ExecutionResult, type GraphQLError, type GraphQLInputObjectType, type GraphQLInputType, type GraphQLSchema,
  type ValidationRule,
} from 'graphql';
import { compileQuery, isCompiledQuery } from 'graphql-jit';
import { requestError } from './errors.js';
import { aliasLimitRule, depthLimitRule, queryComplexity, type RequestLimits } from './limits.js';

/** Longest document parsed, in tokens (graphql-js stops reading beyond it): a defence against huge documents. */
const MAX_TOKENS = 20_000;
/**
 * Documents kept (least recently used dropped), the longest query text worth keeping, and the
 * operations kept per document: a compiled operation takes tens of kilobytes, and a 20,000-character
 * document can name hundreds, so without that bound the cache could hold gigabytes.
 */
const CACHED_DOCUMENTS = 500;
const MAX_CACHED_QUERY_LENGTH = 20_000;
const CACHED_OPERATIONS_PER_DOCUMENT = 16;

/** A document ready to run, or the errors that refuse it. */
export interface PreparedDocument {
  readonly document?: DocumentNode;
  readonly errors: readonly GraphQLError[];
}

/** Runs a prepared operation; `variables` must have passed `complexity` (which coerces them). */
export type RunOperation = (rootValue: unknown, context: unknown, variables: Record<string, unknown> | null | undefined) => Promise<ExecutionResult> | ExecutionResult;

/** What is kept per operation of a document: its executor (unless it must run interpreted) and its cost without variables. */
interface PreparedOperation {
  run?: RunOperation;
  /** graphql-jit cannot compile it, or would run it differently (see `runner`): graphql-js's `execute` runs it. */
  interpreted?: boolean;
  complexity?: number;
}

interface Entry extends PreparedDocument {
  /** Per operation name ('' for the only one). */
  readonly operations: Map<string, PreparedOperation>;
}

/**
 * Everything done once per distinct document, kept per query text: parsing, validation (the limit
 * rules first and alone, so an oversized document never reaches the standard rules, some of which
 * grow faster than the document), compilation with graphql-jit, and the cost when the request has
 * no variables. Most clients send the same few documents, so a repeated request goes straight to
 * execution.
 */
export class PreparedDocuments {
  private readonly entries = new Map<string, Entry>();
  private readonly byDocument = new WeakMap<DocumentNode, Entry>();
  private readonly limitRules: ValidationRule[];
  private readonly rules: ValidationRule[];
  /** Per input type: whether a value of it can nest itself (`UserWhere` through `and`/`or`/`not`). */
  private readonly recursiveInputs = new Map<GraphQLInputObjectType, boolean>();

  constructor(private readonly schema: GraphQLSchema, limits: RequestLimits, introspection: boolean) {
    this.limitRules = [depthLimitRule(limits.maxDepth), aliasLimitRule(limits.maxAliases)];
    this.rules = introspection ? [...specifiedRules] : [...specifiedRules, NoSchemaIntrospectionCustomRule];
  }

  /** The parsed and validated document of `query`, or its errors (BAD_REQUEST). */
  get(query: string): PreparedDocument {
    const cached = this.entries.get(query);
    if (cached) {
      this.entries.delete(query); // re-inserted: the most recently used is last
      this.entries.set(query, cached);
      return cached;
    }
    const entry = this.prepare(query);
    if (entry.document) this.byDocument.set(entry.document, entry);
    if (query.length <= MAX_CACHED_QUERY_LENGTH) {
      this.entries.set(query, entry);
      if (this.entries.size > CACHED_DOCUMENTS) this.entries.delete(this.entries.keys().next().value!);
    }
    return entry;
  }

  /**
   * The cost of one operation of a prepared document with these variables (see `queryComplexity`);
   * throws a GraphQLError when the variables do not fit the operation.
   */
  complexity(document: DocumentNode, operationName: string | null | undefined, variables: Record<string, unknown> | null | undefined): number {
    const hasVariables = variables !== null && variables !== undefined && Object.keys(variables).length > 0;
    if (hasVariables) return queryComplexity(this.schema, document, variables, operationName ?? undefined);
    const operation = this.operation(document, operationName);
    operation.complexity ??= queryComplexity(this.schema, document, undefined, operationName ?? undefined);
    return operation.complexity;
  }

  /**
   * The executor of one operation of a prepared document: compiled by graphql-jit once, or
   * undefined for graphql-js's own `execute` when graphql-jit cannot compile it or would run it
   * differently. That includes:
   * - any operation with a variable of a recursive input type (`query($where: UserWhere)`):
   *   graphql-jit 0.8 generates the coercion of such a variable without end until the process runs
   *   out of memory (zalando-incubator/graphql-jit#81), so those operations are never given to it;
   * - operations whose literals graphql-jit would read wrongly (see `hasMisreadVariable`).
   */
  runner(document: DocumentNode, operationName: string | null | undefined): RunOperation | undefined {
    const operation = this.operation(document, operationName);
    if (operation.interpreted) return undefined;
    if (!operation.run) {
      const compiled = this.hasRecursiveVariable(document, operationName) || this.hasMisreadVariable(document, operationName)
        ? undefined
        : compileQuery(this.schema, document, operationName ?? undefined, { disablingCapturingStackErrors: true });
      if (!compiled || !isCompiledQuery(compiled)) {
        operation.interpreted = true;
        return undefined;
      }
      operation.run = (rootValue, context, variables) => compiled.query(rootValue, context, variables ?? {});
    }
    return operation.run;
  }

  /**
   * True when graphql-jit would give a resolver other arguments than graphql-js (and the GraphQL
   * specification) for some variables of the operation, which it does in two places:
   * - a nullable variable without a default, written as the value of an input object field
   *   (`patch: { bio: $bio }`): when the request leaves the variable out, the field must be left
   *   out too; graphql-jit sets it to null, so a merge patch would remove `bio`, and a filter
   *   `{ eq: $name }` would test for a missing name;
   * - a variable inside the literal of a scalar (`settings: { a: $x }` for a JSON field):
   *   graphql-jit parses such literals without the variables, so `a` would be lost.
   * Fragments of the document count whichever operation spreads them (at worst, an operation runs
   * on graphql-js without need).
   */
  private hasMisreadVariable(document: DocumentNode, operationName: string | null | undefined): boolean {
    const operation = getOperationAST(document, operationName);
    const mayBeLeftOut = new Set((operation?.variableDefinitions ?? [])
      .filter((definition) => definition.type.kind !== Kind.NON_NULL_TYPE && definition.defaultValue === undefined)
      .map((definition) => definition.variable.name.value));
    const typeInfo = new TypeInfo(this.schema);
    let misread = false;
    // A literal whose own type is a scalar; a list literal's own type is its parent's (TypeInfo has entered its items already).
    const scalarLiteral = (node: ASTNode, type: GraphQLInputType | null | undefined) => {
      if (isScalarType(getNullableType(type)) && hasVariable(node)) {
        misread = true;
        return BREAK;
      }
      return undefined;
    };
    const definitions = document.definitions.filter((definition) => definition.kind === Kind.FRAGMENT_DEFINITION || definition === operation);
    for (const definition of definitions) {
      visit(definition, visitWithTypeInfo(typeInfo, {
        ObjectField(field) {
          if (field.value.kind === Kind.VARIABLE && mayBeLeftOut.has(field.value.name.value)) {
            misread = true;
            return BREAK;
          }
          return undefined;
        },
        ObjectValue: (node) => scalarLiteral(node, typeInfo.getInputType()),
        ListValue: (node) => scalarLiteral(node, typeInfo.getParentInputType()),
      }));
      if (misread) return true;
    }
    return false;
  }

  /** True when a variable of the operation has an input type whose values can contain themselves, at any depth. */
  private hasRecursiveVariable(document: DocumentNode, operationName: string | null | undefined): boolean {
    const operation = getOperationAST(document, operationName);
    return (operation?.variableDefinitions ?? []).some((definition) => {
      const type = getNamedType(typeFromAST(this.schema, definition.type));
      return isInputObjectType(type) && this.isRecursive(type);
    });
  }

  /** Whether `type` reaches an input type that reaches itself (memoized per type). */
  private isRecursive(type: GraphQLInputObjectType): boolean {
    const known = this.recursiveInputs.get(type);
    if (known !== undefined) return known;
    // Depth-first over the input types `type` reaches; a type met again on the current path is a cycle.
    const path = new Set<GraphQLInputObjectType>();
    const visit = (current: GraphQLInputObjectType): boolean => {
      if (path.has(current)) return true;
      const memo = this.recursiveInputs.get(current);
      if (memo !== undefined) return memo;
      path.add(current);
      let found = false;
      for (const field of Object.values(current.getFields())) {
        const named = getNamedType(field.type);
        if (isInputObjectType(named) && visit(named)) {
          found = true;
          break;
        }
      }
      path.delete(current);
      // Reaching a type on the path (itself, or an ancestor that reaches it) is a cycle, so either answer is final.
      this.recursiveInputs.set(current, found);
      return found;
    };
    return visit(type);
  }

  /** What is kept of one operation; beyond `CACHED_OPERATIONS_PER_DOCUMENT`, a fresh record that lasts one request. */
  private operation(document: DocumentNode, operationName: string | null | undefined): PreparedOperation {
    const entry = this.byDocument.get(document);
    const key = operationName ?? '';
    let operation = entry?.operations.get(key);
    if (!operation) {
      operation = {};
      if (entry && entry.operations.size < CACHED_OPERATIONS_PER_DOCUMENT) entry.operations.set(key, operation);
    }
    return operation;
  }

  private prepare(query: string): Entry {
    const operations = new Map<string, PreparedOperation>();
    let document: DocumentNode;
    try {
      document = parse(query, { maxTokens: MAX_TOKENS });
    } catch (error) {
      return { errors: [requestError(error as Error)], operations };
    }
    const limitErrors = validate(this.schema, document, this.limitRules);
    if (limitErrors.length > 0) return { errors: limitErrors, operations };
    const errors = validate(this.schema, document, this.rules);
    return errors.length > 0 ? { errors: errors.map(requestError), operations } : { document, errors: [], operations };
  }
}

/** Whether a value literal holds a variable anywhere. */
function hasVariable(node: ASTNode): boolean {
  let found = false;
  visit(node, {
    Variable() {
      found = true;
      return BREAK;
    },
  });
  return found;
}
