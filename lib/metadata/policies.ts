// What `@Allow` records. The permissions plugin reads and checks it; without that plugin it has no effect.

/** The caller a `where` function receives (the manager's CurrentUser). */
export interface PolicyUser {
  id: string;
  roles?: string[];
  [key: string]: unknown;
}

/** A row scope: a filter in the search language, or a function of the caller returning one (`false`: nothing). */
export type PolicyWhere = Record<string, unknown> | ((user: PolicyUser) => Record<string, unknown> | false);

/** The options of a class `@Allow`: row scopes, OR'ed with the scopes of other rules granting the same action. */
export interface AllowOptions {
  /** Only resources the caller created (`_meta.createdBy` is the caller's id). */
  own?: boolean;
  /** Only resources matching this filter (fields must be `@Indexed`). */
  where?: PolicyWhere;
}

/** One class-level `@Allow(roles, actions, options)`, as written. */
export interface ClassPolicyRule {
  readonly roles: readonly string[];
  readonly actions: readonly string[];
  readonly options: AllowOptions;
}

/** One property-level `@Allow(roles, 'read' | 'write')`, as written. */
export interface FieldPolicyRule {
  readonly property: string;
  readonly roles: readonly string[];
  readonly access: string;
  /** Options were given, which only class rules take. */
  readonly withOptions: boolean;
}

/** Every `@Allow` of one class. */
export interface ClassPolicies {
  readonly rules: ClassPolicyRule[];
  readonly fields: FieldPolicyRule[];
}

const store = new Map<Function, ClassPolicies>();

function policiesFor(target: Function): ClassPolicies {
  let policies = store.get(target);
  if (!policies) store.set(target, policies = { rules: [], fields: [] });
  return policies;
}

/** Records a class rule (decorators run bottom-up; rules keep the order they are written in). */
export function noteClassPolicy(target: Function, rule: ClassPolicyRule): void {
  policiesFor(target).rules.unshift(rule);
}

/** Records a property rule. */
export function noteFieldPolicy(target: Function, rule: FieldPolicyRule): void {
  policiesFor(target).fields.push(rule);
}

/**
 * The `@Allow` rules of `target`: its own class rules (class decorators are not inherited, as for
 * `@Resource`) and the property rules of the class and its bases.
 */
export function policiesOf(target: Function): ClassPolicies {
  const fields: FieldPolicyRule[] = [];
  for (let current = target; current && current !== Function.prototype; current = Object.getPrototypeOf(current)) {
    fields.unshift(...(store.get(current)?.fields ?? []));
  }
  return { rules: [...(store.get(target)?.rules ?? [])], fields };
}
