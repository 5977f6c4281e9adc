import type { JobOptions } from './job-model.js';

/**
 * What the decorators record, untouched: the loose input the model builder turns into frozen models.
 * Decorators only push plain records here; every check happens in the builder.
 */

/**
 * A field type as `@Field` accepts it: a constructor, an enum object, a one-element array of those,
 * or a name: a built-in scalar kind, or one registered with `registerFieldType` (e.g. `'slug'`).
 */
export type FieldTypeName = 'string' | 'number' | 'integer' | 'boolean' | 'date' | 'json' | (string & {});
export type FieldTypeThunk = () => unknown;

export interface ResourceOptions {
  /** Singular resource name (default: the class name). */
  name?: string;
  /** REST collection path (default: kebab-case plural of the class name, `BlogPost` → `/blog-posts`). */
  path?: string;
  /** Id generator (default: UUIDv7). */
  id?: () => string;
  description?: string;
}

export interface IndexedOptions {
  /** Unique among non-deleted resources. */
  unique?: boolean;
  /** Full-text searchable with `q`. */
  text?: boolean;
  /**
   * Normalizes the index column (not the stored data) of a string field, so uniqueness, filters and
   * sorting see `Ada@x.org` and `ada@x.org` as one value. Default: none, values compare as written.
   */
  normalize?: 'lowercase' | 'nfc' | 'nfkc-casefold';
}

/** Upgrades stored data written with schema version `n - 1` to version `n`. */
export type Migration = (data: Record<string, unknown>) => Record<string, unknown>;

export interface VersionedOptions {
  /** Allow draft revisions. */
  drafts?: boolean;
  /** Revisions kept per resource (default: all). The current revision is never removed. */
  retain?: number;
  /** Version of the data shape written now (default 1). */
  schemaVersion?: number;
  /** `migrations[n]` upgrades data from version `n - 1` to `n`. */
  migrations?: Record<number, Migration>;
}

export interface FieldOptions {
  optional?: boolean;
  nullable?: boolean;
  description?: string;
}

export type RefOnDelete = 'restrict' | 'cascade' | 'setNull';

export interface RefOptions {
  /** What deleting the target does to resources pointing at it (default `restrict`). */
  onDelete?: RefOnDelete;
  optional?: boolean;
}

export interface FieldArgs {
  property: string;
  type?: FieldTypeThunk | FieldTypeName;
  options: FieldOptions;
}

export interface RefArgs {
  property: string;
  target: () => Function;
  options: RefOptions;
}

/** Everything the decorators recorded for one class. */
export interface ClassArgs {
  target: Function;
  resource?: ResourceOptions;
  versioned?: VersionedOptions;
  /** `@Job` options as written (checked by the builder). */
  job?: JobOptions;
  indexed: Map<string, IndexedOptions>;
  fields: Map<string, FieldArgs>;
  refs: Map<string, RefArgs>;
  /** Property order as the decorators met it. */
  order: string[];
}
