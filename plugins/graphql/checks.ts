import { getOperationAST, GraphQLError, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import type { PreparedDocuments } from './documents.js';
import { requestError } from './errors.js';
import { limitError, type RequestLimits } from './limits.js';

/** The operation a request names in its prepared document, or the errors that refuse the request. */
export type CheckedOperation =
  | { readonly document: DocumentNode; readonly operation: OperationDefinitionNode; readonly errors?: undefined }
  | { readonly errors: readonly GraphQLError[] };

/**
 * Prepares `query` (parsed, validated with the depth and alias limits, cached) and finds the
 * operation to run: the one named `operationName`, or the only one. Both transports (HTTP and
 * WebSocket) check a request this way before anything runs.
 */
export function operationOf(documents: PreparedDocuments, query: string, operationName: string | null | undefined): CheckedOperation {
  const prepared = documents.get(query);
  if (!prepared.document) return { errors: prepared.errors };
  const operation = getOperationAST(prepared.document, operationName);
  if (!operation) {
    const message = operationName ? `The document has no operation named "${operationName}"` : 'The document holds several operations; name the one to run in operationName';
    return { errors: [new GraphQLError(message, { extensions: { code: 'BAD_REQUEST' } })] };
  }
  return { document: prepared.document, operation };
}

/**
 * The errors of an operation whose variables do not fit it (a request error) or whose cost is above
 * `maxComplexity`; undefined when it may run.
 */
export function complexityErrors(documents: PreparedDocuments, limits: RequestLimits, checked: { document: DocumentNode; operation: OperationDefinitionNode },
  operationName: string | null | undefined, variables: Record<string, unknown> | null | undefined): GraphQLError[] | undefined {
  let complexity: number;
  try {
    // Coerces the variables too: variables that do not fit the operation are a request error here.
    complexity = documents.complexity(checked.document, operationName, variables);
  } catch (error) {
    return [requestError(error as Error)];
  }
  const { maxComplexity } = limits;
  if (complexity <= maxComplexity) return undefined;
  return [limitError('maxComplexity', maxComplexity, complexity,
    `The ${checked.operation.operation} costs ${complexity}, more than the ${maxComplexity} allowed per request: each object costs 1 and a list costs its page times limit (the default page size when limit is left out). Ask for fewer items (a lower limit) or fewer nested fields.`)];
}
