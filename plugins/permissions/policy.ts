import {
  ACTIONS, jobQueryFields, parseQuery, policiesOf, StrataError,
  type AccessRules, type Action, type AllowOptions, type ClassPolicyRule, type CurrentUser, type HookContext, type HookName,
  type QueryLimits, type ResourceModel, type Where,
} from '../../lib/plugin-api.js';

/** A rule granted to every caller, signed in or not. */
export const ANYONE = 'anyone';
/** A rule granted to every signed-in caller. */
export const AUTHENTICATED = 'authenticated';

const ACTION_NAMES: ReadonlySet<string> = new Set([...ACTIONS, '*']);
const OPTION_NAMES = ['own', 'where'];
const FIELD_ACCESS = ['read', 'write'];

/** A class rule checked and ready: who, what, and on which resources. */
interface Rule {
  readonly roles: ReadonlySet<string>;
  readonly actions: ReadonlySet<string>;
  readonly own: boolean;
  readonly where?: AllowOptions['where'];
}

/** The roles a caller plays: theirs, plus `anyone`, plus `authenticated` when signed in. */
export function rolesOf(user: CurrentUser | null): ReadonlySet<string> {
  const roles = new Set<string>([ANYONE]);
  if (user) {
    roles.add(AUTHENTICATED);
    for (const role of Array.isArray(user.roles) ? user.roles : []) if (typeof role === 'string') roles.add(role);
  }
  return roles;
}

/** The action a manager call needs (docs/permissions.md); undefined for a worker's `jobState`, which only the system makes. */
export function actionOf(operation: HookName, input: Record<string, unknown>): Action | undefined {
  switch (operation) {
    case 'get': return input.revision === undefined && input.asOf === undefined ? 'read' : 'history';
    case 'list': return (input.query as { asOf?: unknown } | undefined)?.asOf === undefined ? 'list' : 'history';
    case 'count': return 'list';
    case 'create': case 'createMany': return 'create';
    case 'update': case 'patch': case 'patchMany': return 'update';
    case 'deleteMany': return 'delete';
    case 'revertWindow': return 'revert';
    case 'revisions': case 'revision': case 'diff': return 'history';
    case 'jobState': return undefined;
    default: return operation;
  }
}

/** Operations on one existing resource: tested against the caller's read scope (404) and the action's scope (403). */
const ON_ONE_RESOURCE: ReadonlySet<HookName> = new Set<HookName>([
  'get', 'update', 'patch', 'delete', 'restore', 'purge', 'revisions', 'revision', 'diff', 'switch', 'publish', 'rerun', 'cancel', 'revert',
]);

/** Operations that pick the resources they change by a query: they see what the caller may read and act on. */
const BY_QUERY: ReadonlySet<HookName> = new Set<HookName>(['revertWindow', 'patchMany', 'deleteMany']);

/**
 * The `@Allow` policy of one resource, checked at bootstrap: `problems` lists every mistake, each
 * naming the class (and property) and the fix.
 */
export class ModelPolicy {
  readonly problems: string[] = [];
  private readonly rules: Rule[] = [];
  /** Per field with read rules, the roles that may see it. */
  private readonly readers = new Map<string, Set<string>>();
  /** Per field with write rules, the roles that may change it. */
  private readonly writers = new Map<string, Set<string>>();

  constructor(readonly model: ResourceModel, limits: QueryLimits, extraRules: readonly ClassPolicyRule[] = []) {
    const policies = policiesOf(model.target);
    for (const rule of [...policies.rules, ...extraRules]) this.addRule(rule, limits);
    for (const field of policies.fields) {
      const where = `${model.name}.${field.property}: @Allow(${describeRoles(field.roles)}, '${field.access}')`;
      if (!model.fieldsByName.has(field.property)) this.problems.push(`${where} is on a property that is not a field of ${model.name}; put field rules on fields`);
      else if (!FIELD_ACCESS.includes(field.access)) this.problems.push(`${where}: a property rule takes 'read' or 'write', not '${field.access}'; put actions on the class`);
      else if (field.withOptions) this.problems.push(`${where}: own and where apply to class rules only; remove the options`);
      else {
        const table = field.access === 'read' ? this.readers : this.writers;
        const roles = table.get(field.property) ?? new Set<string>();
        for (const role of field.roles) roles.add(role);
        table.set(field.property, roles);
      }
      this.checkRoles(field.roles, where);
    }
  }

  /** True when no class rule exists: the resource is closed to every caller. */
  get closed(): boolean {
    return this.rules.length === 0;
  }

  /**
   * Checks one call and restricts it: throws UNAUTHORIZED (an anonymous caller the action is not
   * granted to) or FORBIDDEN (a caller without the action), otherwise tells the manager which
   * resources the call may see and act on and which fields it may not see or change.
   */
  check(context: HookContext): void {
    const action = actionOf(context.operation, context.input);
    const user = context.user;
    const roles = rolesOf(user);
    const granting = action === undefined ? [] : this.granting(action, roles);
    if (granting.length === 0) {
      if (!user) throw new StrataError('UNAUTHORIZED', `sign in to ${action ?? context.operation} ${this.model.name} resources`);
      throw StrataError.forbidden(`you may not ${action ?? context.operation} ${this.model.name} resources`);
    }
    const rules: AccessRules = { hiddenFields: this.hiddenFields(roles), readOnlyFields: this.readOnlyFields(roles) };
    const actionScope = this.scopeOf(granting, user);
    const readScope = () => this.scopeOf(this.granting('read', roles), user);
    if (action === 'list') rules.visible = actionScope;
    // An as-of search needs list and history: it sees what both let the caller see.
    else if (context.operation === 'list') rules.visible = both(actionScope, this.scopeOf(this.granting('list', roles), user));
    else if (BY_QUERY.has(context.operation)) rules.visible = both(actionScope, readScope());
    else if (action === 'export') rules.visible = both(actionScope, readScope());
    else if (ON_ONE_RESOURCE.has(context.operation)) {
      rules.visible = action === 'read' ? actionScope : readScope();
      if (action !== 'read') rules.allowed = actionScope;
    } else rules.allowed = actionScope; // create, createMany, import: the result must be in scope
    context.restrict(withoutUnrestricted(rules));
  }

  private granting(action: Action, roles: ReadonlySet<string>): Rule[] {
    return this.rules.filter((rule) => (rule.actions.has(action) || rule.actions.has('*')) && overlaps(rule.roles, roles));
  }

  /**
   * The resources some rule among `rules` covers for `user`: undefined when one covers every
   * resource, `false` when none covers any, else the rules' scopes OR'ed.
   */
  private scopeOf(rules: readonly Rule[], user: CurrentUser | null): Where | false | undefined {
    if (rules.length === 0) return false;
    const scopes: Where[] = [];
    for (const rule of rules) {
      if (!rule.own && rule.where === undefined) return undefined;
      if (rule.own && !user) continue; // an anonymous caller owns nothing
      const parts: Where[] = [];
      if (rule.own) parts.push({ '_meta.createdBy': user!.id });
      if (rule.where !== undefined) {
        const where = typeof rule.where === 'function' ? (user ? rule.where(user) : false) : rule.where;
        if (where === false) continue;
        parts.push(where);
      }
      scopes.push(parts.length === 1 ? parts[0] : { and: parts });
    }
    if (scopes.length === 0) return false;
    return scopes.length === 1 ? scopes[0] : { or: scopes };
  }

  private hiddenFields(roles: ReadonlySet<string>): string[] {
    return [...this.readers].filter(([, readers]) => !overlaps(readers, roles)).map(([field]) => field);
  }

  /** Fields with write rules not granting the caller, and hidden fields no write rule grants them. */
  private readOnlyFields(roles: ReadonlySet<string>): string[] {
    const fields = new Set([...this.writers].filter(([, writers]) => !overlaps(writers, roles)).map(([field]) => field));
    for (const field of this.hiddenFields(roles)) if (!this.writers.has(field)) fields.add(field);
    return [...fields];
  }

  private addRule(rule: ClassPolicyRule, limits: QueryLimits): void {
    const where = `${this.model.name}: @Allow(${describeRoles(rule.roles)}, ${JSON.stringify(rule.actions)})`;
    const before = this.problems.length;
    this.checkRoles(rule.roles, where);
    for (const action of rule.actions) {
      if (!ACTION_NAMES.has(action)) this.problems.push(`${where} names the unknown action '${action}'; actions are ${[...ACTIONS].join(', ')} and '*'`);
    }
    for (const key of Object.keys(rule.options)) {
      if (!OPTION_NAMES.includes(key)) this.problems.push(`${where} has the unknown option '${key}'; the options are own and where`);
    }
    if (rule.options.own !== undefined && typeof rule.options.own !== 'boolean') this.problems.push(`${where}: own takes true or false`);
    const scope = rule.options.where;
    if (scope !== undefined && typeof scope !== 'function') {
      if (typeof scope !== 'object' || scope === null || Array.isArray(scope)) {
        this.problems.push(`${where}: where takes a filter object such as { teamId: 'red' } or a function of the user returning one`);
      } else {
        try {
          parseQuery(this.model, { where: scope }, limits, jobQueryFields(this.model));
        } catch (error) {
          this.problems.push(`${where}: its where is not a filter on indexed fields (${(error as Error).message}); mark the fields it names @Indexed()`);
        }
      }
    }
    if (this.problems.length > before) return;
    this.rules.push({ roles: new Set(rule.roles), actions: new Set(rule.actions), own: rule.options.own === true, where: scope });
  }

  private checkRoles(roles: readonly string[], where: string): void {
    if (roles.length === 0) this.problems.push(`${where} names no role; give a role such as 'admin', '${ANYONE}' or '${AUTHENTICATED}'`);
    for (const role of roles) {
      if (typeof role !== 'string' || !/^[^\s,]+$/.test(role)) this.problems.push(`${where} names the role ${JSON.stringify(role)}; roles are non-empty words without spaces or commas`);
    }
  }
}

function overlaps(left: ReadonlySet<string>, right: ReadonlySet<string>): boolean {
  for (const item of left) if (right.has(item)) return true;
  return false;
}

/** Both scopes at once (undefined: everything). */
function both(left: Where | false | undefined, right: Where | false | undefined): Where | false | undefined {
  if (left === false || right === false) return false;
  if (left === undefined) return right;
  if (right === undefined) return left;
  return { and: [left, right] };
}

/** The rules without the entries that restrict nothing, so an unrestricted call costs nothing. */
function withoutUnrestricted(rules: AccessRules): AccessRules {
  const result: AccessRules = {};
  if (rules.visible !== undefined) result.visible = rules.visible;
  if (rules.allowed !== undefined) result.allowed = rules.allowed;
  if (rules.hiddenFields?.length) result.hiddenFields = rules.hiddenFields;
  if (rules.readOnlyFields?.length) result.readOnlyFields = rules.readOnlyFields;
  return result;
}

function describeRoles(roles: readonly string[]): string {
  return roles.length === 1 ? `'${roles[0]}'` : JSON.stringify(roles);
}
