import type { ResourceModel } from '../metadata/model.js';
import { RESOURCE_OPERATIONS } from './resource-operations.js';
import { ACTIONS, type OperationDefinition } from './types.js';

/** Which resources an added operation is for: classes, a test of the model, or (left out) all. */
export interface AddOperationOptions {
  readonly resources?: readonly Function[] | ((model: ResourceModel) => boolean);
}

interface AddedOperation {
  readonly definition: OperationDefinition;
  applies(model: ResourceModel): boolean;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/**
 * Every operation of every resource of one app: the built-in ones of docs/rest.md plus those
 * plugins add in `configure`. Transports (REST, OpenAPI, GraphQL, …) read it from `mount` on.
 */
export class OperationTable {
  private readonly added: AddedOperation[] = [];
  private readonly cache = new Map<ResourceModel, readonly OperationDefinition[]>();
  /** Problems with added operations (bad shapes), reported at bootstrap with the plugins' own. */
  readonly problems: string[] = [];

  /**
   * Adds an operation for some resources (default all); one named like an existing operation of a
   * resource replaces it there (the last added wins).
   */
  add(definition: OperationDefinition, options: AddOperationOptions = {}): void {
    const problem = shapeProblem(definition);
    if (problem) {
      this.problems.push(problem);
      return;
    }
    const { resources } = options;
    const applies = typeof resources === 'function' ? resources
      : resources ? (model: ResourceModel) => resources.includes(model.target) : () => true;
    this.added.push({ definition, applies });
    this.cache.clear();
  }

  /**
   * The operations of one resource, ordered for a router that matches in order: segment by segment,
   * fixed text before a `:parameter` (`/_search` before `/:id`, `/:id/revisions/latest` before
   * `/:id/revisions/:n`), so no route hides a more specific one.
   */
  of(model: ResourceModel): readonly OperationDefinition[] {
    const cached = this.cache.get(model);
    if (cached) return cached;
    const byName = new Map<string, OperationDefinition>();
    for (const definition of RESOURCE_OPERATIONS) byName.set(definition.name, definition);
    for (const { definition, applies } of this.added) if (applies(model)) byName.set(definition.name, definition);
    const operations = [...byName.values()]
      .filter((definition) => definition.appliesTo?.(model) ?? true)
      .sort((a, b) => specificity(a.path, b.path));
    this.cache.set(model, Object.freeze(operations));
    return operations;
  }

  /** The operation `name` of a resource, if it has one. */
  find(model: ResourceModel, name: string): OperationDefinition | undefined {
    return this.of(model).find((definition) => definition.name === name);
  }

  /**
   * Problems of the operations of `models`: a result or body that is not one of the kinds, problem
   * statuses that are not 4xx/5xx, and two operations with the same method and path or operationId.
   */
  clashes(models: readonly ResourceModel[]): string[] {
    const problems: string[] = [];
    const operationIds = new Map<string, string>();
    for (const model of models) {
      const routes = new Map<string, string>();
      for (const definition of this.of(model)) {
        problems.push(...describedProblems(model, definition));
        const route = `${definition.method.toUpperCase()} /${model.names.path}${definition.path === '/' ? '' : definition.path}`;
        const owner = `${model.name} ${definition.name} (${route})`;
        const shape = `${definition.method} ${definition.path.replace(/:[^/]+/g, ':')}`;
        const sameRoute = routes.get(shape);
        if (sameRoute) problems.push(`operations ${sameRoute} and ${definition.name} of ${model.name} are both ${route}; give one another method or path`);
        else routes.set(shape, definition.name);
        const operationId = operationIdOf(model, definition);
        const taken = operationIds.get(operationId);
        if (taken) problems.push(`operationId ${operationId} of ${owner} is already the operationId of ${taken}; rename one of the resources with @Resource({ name }) or the operation`);
        else operationIds.set(operationId, owner);
      }
    }
    return problems;
  }
}

/**
 * The operationId of an operation of a resource (also the stem of its GraphQL field):
 * `operationId(One, Many)` when the operation names one, else `<name><One>` (`archiveArticle`).
 */
export function operationIdOf(model: ResourceModel, definition: OperationDefinition): string {
  const one = upperFirst(model.names.graphql.one);
  const many = upperFirst(model.names.graphql.many);
  return definition.operationId?.(one, many) ?? `${definition.name}${one}`;
}

function upperFirst(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * Negative when path `a` must be matched before path `b`: the paths' shapes (each segment fixed
 * or a parameter) compared as text, so at the first segment where they differ fixed text comes first
 * (a total order, which sorting needs); paths of the same shape keep their order.
 */
function specificity(a: string, b: string): number {
  const shape = (path: string) => path.split('/').map((segment) => (segment.startsWith(':') ? '1' : '0')).join('');
  const left = shape(a);
  const right = shape(b);
  return left < right ? -1 : left > right ? 1 : 0;
}

const RESULT_KINDS = ['resource', 'json', 'empty', 'ndjson', 'blob'];
const BODY_KINDS = ['json', 'patch', 'ndjson'];

/** What is wrong with what `definition` says for `model` (its result, body and problem statuses). */
function describedProblems(model: ResourceModel, definition: OperationDefinition): string[] {
  const label = `operation ${definition.name} of ${model.name}`;
  const problems: string[] = [];
  const result = definition.result(model);
  if (!RESULT_KINDS.includes(result?.kind) || ![200, 201, 204].includes(result?.status)) {
    problems.push(`${label}: result must have a kind (${RESULT_KINDS.join(', ')}) and a status of 200, 201 or 204`);
  }
  const body = definition.body?.(model);
  if (body !== undefined && (!BODY_KINDS.includes(body.kind) || typeof body.content !== 'object' || Object.keys(body.content ?? {}).length === 0)) {
    problems.push(`${label}: body must have a kind (${BODY_KINDS.join(', ')}) and at least one media type in content`);
  }
  const statuses = definition.problems.filter((status) => !Number.isInteger(status) || status < 400 || status > 599);
  if (statuses.length > 0) problems.push(`${label}: problems are 4xx and 5xx statuses; got ${statuses.join(', ')}`);
  return problems;
}

function shapeProblem(definition: OperationDefinition): string | undefined {
  const name = typeof definition?.name === 'string' && /^[a-z][A-Za-z0-9]*$/.test(definition.name) ? definition.name : undefined;
  const label = `operation ${name ?? JSON.stringify(definition?.name)}`;
  if (!name) return `${label}: name must be a camelCase word such as archive`;
  if (!ACTIONS.includes(definition.action)) return `${label}: action must be one of ${ACTIONS.join(', ')}`;
  if (!METHODS.includes(definition.method)) return `${label}: method must be one of ${METHODS.join(', ')}`;
  if (typeof definition.path !== 'string' || !/^\/(?:[A-Za-z0-9_\-:]+(?:\/[A-Za-z0-9_\-:]+)*)?$/.test(definition.path)) return `${label}: path must begin with / and name segments such as /:id/archive`;
  for (const key of ['summary', 'result', 'invoke'] as const) {
    if (typeof definition[key] !== 'function') return `${label}: ${key} must be a function`;
  }
  if (!Array.isArray(definition.problems)) return `${label}: problems must be a list of HTTP statuses such as [404, 409]`;
  return undefined;
}
