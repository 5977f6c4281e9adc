import type { IndexNormalization } from './normalize.js';
import type { Migration, RefOnDelete } from './args.js';
import type { JobModel } from './job-model.js';

/**
 * The names of the built-in scalar kinds. A kind a plugin registers (`registerFieldType`) is another
 * name at run time, so code reads every scalar kind through the registry (`fieldTypeOf`), never by
 * listing names; only the structural kinds below (enum, object, array) are handled by name.
 */
export type ScalarKind = 'string' | 'number' | 'integer' | 'boolean' | 'date' | 'json' | 'blob';

/** The type of a field, resolved once by the builder. */
export type FieldType =
  | { kind: ScalarKind }
  | { kind: 'enum'; values: readonly (string | number)[]; enumObject?: object }
  | { kind: 'object'; target: Function; fields: readonly FieldModel[] }
  | { kind: 'array'; items: FieldType };

/** The kinds a field can have. */
export type FieldKind = FieldType['kind'];

/** A built, frozen field. `column` is set for indexed fields only: they get a real database column. */
export interface FieldModel {
  readonly name: string;
  readonly type: FieldType;
  readonly optional: boolean;
  readonly nullable: boolean;
  readonly description?: string;
  readonly indexed: boolean;
  readonly unique: boolean;
  readonly text: boolean;
  /** How the index column is normalized (`@Indexed({ normalize })`); undefined: as written. */
  readonly normalize?: IndexNormalization;
  readonly column?: string;
  readonly ref?: { readonly target: Function; readonly onDelete: RefOnDelete };
}

/** Versioning options with their defaults applied. */
export interface VersioningModel {
  readonly drafts: boolean;
  /** Revisions kept per resource; `undefined` keeps all. */
  readonly retain?: number;
  readonly schemaVersion: number;
  readonly migrations: Readonly<Record<number, Migration>>;
}

/** Names derived from the resource name, used by storage and the transports. */
export interface ResourceNames {
  /** Singular name, e.g. `BlogPost`. */
  readonly singular: string;
  /** REST collection path without the leading slash, e.g. `blog-posts`. */
  readonly path: string;
  /** Current-state table, e.g. `blog_posts_meta`. */
  readonly table: string;
  /** GraphQL names: `blogPost`, `blogPosts`, `BlogPostInput` … */
  readonly graphql: {
    readonly one: string;
    readonly many: string;
    readonly type: string;
    readonly input: string;
    readonly patch: string;
    readonly where: string;
    readonly sort: string;
    readonly page: string;
  };
}

/** Everything Strata knows about one resource class; built once at bootstrap and frozen. */
export interface ResourceModel {
  readonly target: Function;
  /** The resource name (`@Resource({ name })`, default the class name). */
  readonly name: string;
  readonly names: ResourceNames;
  readonly description?: string;
  readonly generateId: () => string;
  readonly fields: readonly FieldModel[];
  readonly fieldsByName: ReadonlyMap<string, FieldModel>;
  readonly indexedFields: readonly FieldModel[];
  readonly textFields: readonly FieldModel[];
  readonly versioning: VersioningModel;
  /** Set for `@Job` resources: each created resource is a background job (docs/jobs.md). */
  readonly job?: JobModel;
}
