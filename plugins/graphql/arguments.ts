/**
 * Turns GraphQL arguments into the manager's input: type-graphql hands resolvers instances of the
 * generated input classes, the manager takes plain JSON (and `where` with dotted meta names).
 */

/**
 * A deep plain copy of an argument value: input-class instances become plain objects, fields left
 * out (undefined) are dropped, and every key is kept as an own property (a `__proto__` key stays
 * data, for the manager to refuse, instead of changing the copy's prototype).
 */
export function plainInput(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plainInput);
  if (value === null || typeof value !== 'object') return value;
  const plain: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    if (child !== undefined) Object.defineProperty(plain, key, { value: plainInput(child), enumerable: true, writable: true, configurable: true });
  }
  return plain;
}

/**
 * A `UserWhere` value in the manager's `where` format: `{ _meta: { createdAt: { gte } } }` becomes
 * `{ '_meta.createdAt': { gte } }`, `and`/`or`/`not` are translated recursively, and a field, group
 * or junction given as null counts as not given. Operator values pass as they are (`eq: null` tests
 * for null, as in REST).
 * @example whereInput({ age: { gte: 18 }, _meta: { status: { eq: 'draft' } } }) // { age: { gte: 18 }, '_meta.status': { eq: 'draft' } }
 */
export function whereInput(where: unknown): Record<string, unknown> | undefined {
  if (where === null || where === undefined) return undefined;
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(plainInput(where) as Record<string, unknown>)) {
    if (value === null) continue;
    if (key === 'and' || key === 'or') result[key] = (value as unknown[]).filter((item) => item !== null).map(whereInput);
    else if (key === 'not') result.not = whereInput(value);
    else if (key.startsWith('_')) {
      // A group of dotted fields (`_meta`): its keys are field names, each with operator tests.
      for (const [field, tests] of Object.entries(value as Record<string, unknown>)) if (tests !== null) result[`${key}.${field}`] = tests;
    } else result[key] = value;
  }
  return result;
}

/** Drops null and undefined values, so a GraphQL argument given as null means the same as one left out. */
export function given<T extends Record<string, unknown>>(values: T): Partial<{ [K in keyof T]: NonNullable<T[K]> }> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== null && value !== undefined)) as never;
}
