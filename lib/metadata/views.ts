// Resource shapes clients see. They live in metadata, the lowest layer, because @Job's handler type names them and decorators may import metadata only.

/** A stable revision never changes; a draft can be changed in place until it is published. */
export type RevisionStatus = 'stable' | 'draft';

/** `_meta` of a resource in its JSON representation (docs/resources-and-revisions.md). */
export interface ResourceMeta {
  revision: number;
  revisionId: string;
  revisionCount: number;
  etag: string;
  status: RevisionStatus;
  deleted: boolean;
  schemaVersion: number;
  createdAt: string;
  createdBy: string | null;
  updatedAt: string;
  updatedBy: string | null;
}

/** A resource as clients see it: `{ id, ...fields, _meta }`. */
export type ResourceView = { id: string; _meta: ResourceMeta } & Record<string, unknown>;

/** A revision list entry; reading one revision adds `data`. */
export interface RevisionEntry {
  revision: number;
  revisionId: string;
  parent: number | null;
  status: RevisionStatus;
  hash: string;
  schemaVersion: number;
  createdAt: string;
  createdBy: string | null;
  data?: Record<string, unknown>;
}
