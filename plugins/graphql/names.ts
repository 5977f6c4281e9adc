const GRAPHQL_NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;

/** True when `name` is a GraphQL name that is not reserved for introspection (`__…`). */
export function isGraphQLName(name: string): boolean {
  return GRAPHQL_NAME.test(name) && !name.startsWith('__');
}

/** `createdAt` → `CreatedAt`. */
export function upperFirst(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * The names of one schema, each claimed by what defines it, so two definitions that would share a
 * name are reported (as bootstrap problems) instead of failing deep inside graphql-js.
 */
export class NameRegistry {
  private readonly owners = new Map<string, string>();
  readonly problems: string[] = [];

  /**
   * Claims `name` for `owner` (e.g. `type User (resource User)`); returns false and records a problem
   * when it is not a GraphQL name or another owner has it. The same owner may claim a name again.
   */
  claim(name: string, owner: string, fix: string): boolean {
    if (!isGraphQLName(name)) {
      this.problems.push(`${owner}: "${name}" is not a valid GraphQL name (letters, digits and _, not starting with a digit or __); ${fix}`);
      return false;
    }
    const existing = this.owners.get(name);
    if (existing !== undefined && existing !== owner) {
      this.problems.push(`${owner}: the GraphQL name "${name}" is already used by ${existing}; ${fix}`);
      return false;
    }
    this.owners.set(name, owner);
    return true;
  }

  /** Checks the name of a field (`Class.property`); returns false and records a problem when it is not a GraphQL name. */
  checkFieldName(name: string, where: string): boolean {
    if (isGraphQLName(name)) return true;
    this.problems.push(`${where}: "${name}" is not a valid GraphQL field name (letters, digits and _, not starting with a digit or __); rename the property`);
    return false;
  }
}

/**
 * GraphQL names for the values of an enum, in order: the enum object's own keys when it has them,
 * else each value made into a name (`in-progress` → `in_progress`, `1` → `_1`), unique.
 */
export function enumValueNames(values: readonly (string | number)[], enumObject?: object): string[] {
  const keys = enumObject ? Object.entries(enumObject).filter(([key]) => !/^\d+$/.test(key)) : [];
  const taken = new Set<string>();
  return values.map((value) => {
    const key = keys.find(([, candidate]) => candidate === value)?.[0];
    let name = key !== undefined && isEnumValueName(key) ? key : String(value).replace(/[^_0-9A-Za-z]/g, '_');
    if (!/^[_A-Za-z]/.test(name)) name = `_${name}`;
    if (!isEnumValueName(name)) name = `${name}_`;
    const base = name;
    for (let suffix = 2; taken.has(name); suffix++) name = `${base}_${suffix}`;
    taken.add(name);
    return name;
  });
}

function isEnumValueName(name: string): boolean {
  // type-graphql drops enum keys that parse as numbers; GraphQL forbids true, false and null.
  return isGraphQLName(name) && Number.isNaN(parseInt(name, 10)) && !['true', 'false', 'null'].includes(name);
}
