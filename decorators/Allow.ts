import { noteClassPolicy, noteFieldPolicy, type AllowOptions } from '../lib/metadata/policies.js';

/** An action of docs/permissions.md, or `'*'` for all of them. */
export type AllowAction =
  | 'read' | 'list' | 'create' | 'update' | 'delete' | 'restore' | 'purge' | 'history'
  | 'switch' | 'revert' | 'publish' | 'export' | 'import' | 'rerun' | 'cancel' | '*';

/**
 * Grants roles actions, checked by `permissionsPlugin()` (docs/permissions.md). On a class:
 * `@Allow(roles, actions, { own?, where? })`, where the options limit the grant to some resources.
 * On a property: `@Allow(roles, 'read')` shows the field only to those roles, `@Allow(roles,
 * 'write')` lets only those roles change it. Roles are the caller's `roles`, plus `anyone` (also
 * anonymous callers) and `authenticated` (any signed-in caller).
 * @example @Allow('author', ['update', 'delete'], { own: true })
 * @example @Allow('admin', 'write') @IsOptional() @IsString() notes?: string;
 */
export function Allow(roles: string | readonly string[], actions: AllowAction | readonly AllowAction[] | 'write', options?: AllowOptions) {
  return (target: object, property?: string | symbol): void => {
    const roleList = typeof roles === 'string' ? [roles] : [...roles];
    const actionList = typeof actions === 'string' ? [actions] : [...actions];
    if (property === undefined) {
      noteClassPolicy(target as Function, { roles: roleList, actions: actionList, options: { ...options } });
    } else {
      // Kept as written: the permissions plugin reports a bad access or stray options at bootstrap.
      for (const access of actionList) noteFieldPolicy(target.constructor, { property: String(property), roles: roleList, access, withOptions: options !== undefined });
    }
  };
}
