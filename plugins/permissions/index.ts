import { definePlugin, type AllowOptions, type ClassPolicyRule, type StrataPlugin } from '../../lib/plugin-api.js';
import { ModelPolicy } from './policy.js';

/** One rule given in code rather than with `@Allow` (for resources whose class is not the app's, such as a plugin's). */
export interface PolicyRuleInput extends AllowOptions {
  roles: string | readonly string[];
  actions: string | readonly string[];
}

/** Options of the permissions plugin (docs/permissions.md). */
export interface PermissionsOptions {
  /**
   * Rules added to those written with `@Allow`, by resource name: how an app opens a plugin's
   * resources (say `{ Webhook: [{ roles: 'admin', actions: '*' }] }`), which are closed like every
   * resource without rules.
   */
  rules?: Readonly<Record<string, readonly PolicyRuleInput[]>>;
}

/**
 * The permissions plugin (docs/permissions.md): every resource is deny-by-default, and every
 * checked manager call (each request's, on every transport, and `manager.as(user)`'s) is allowed
 * by the resource's `@Allow` rules or refused: 401 for an anonymous caller, 403 otherwise, 404 for
 * a resource outside what the caller may read. Row scopes are ANDed into searches in SQL; field
 * rules mask and protect fields. The app's own calls through `strata.manager(X)` run as the system.
 * @example await bootstrap(app, { resources: [Article], plugins: [authPlugin({ jwt }), permissionsPlugin()] });
 */
export function permissionsPlugin(options: PermissionsOptions = {}): StrataPlugin {
  const policies = new Map<Function, ModelPolicy>();
  return definePlugin({
    name: 'permissions',
    provides: ['permissions'],
    configure(context) {
      const extra = options.rules ?? {};
      for (const model of context.models) {
        const rules: ClassPolicyRule[] = (extra[model.name] ?? []).map(({ roles, actions, ...scope }) => ({
          roles: typeof roles === 'string' ? [roles] : [...roles],
          actions: typeof actions === 'string' ? [actions] : [...actions],
          options: scope,
        }));
        policies.set(model.target, new ModelPolicy(model, context.options.limits, rules));
      }
      context.provide('permissions', { policyOf: (target: Function) => policies.get(target) });
      // Outermost, so a refused call runs no other hook; the app's own (unchecked) calls pass untouched.
      context.hooks.around('*', async (hook, next) => {
        if (hook.checked) policies.get(hook.model.target)?.check(hook);
        return next();
      }, { first: true });
    },
    validate(context) {
      const names = new Set(context.models.map((model) => model.name));
      const problems = Object.keys(options.rules ?? {}).filter((name) => !names.has(name))
        .map((name) => `permissionsPlugin({ rules }): there is no resource named ${name}; resources are ${[...names].join(', ')}`);
      for (const policy of policies.values()) {
        problems.push(...policy.problems);
        if (policy.closed && policy.problems.length === 0) {
          context.logger.warn(`${policy.model.name} has no @Allow rule: with permissionsPlugin() every caller is refused; add @Allow to open it`);
        }
      }
      return problems;
    },
  });
}
