import type { RevisionStatus } from '../metadata/views.js';

/** The current state of one resource as stored in its current-state row. */
export interface StoredState {
  id: string;
  revision: number;
  revisionCount: number;
  status: RevisionStatus;
  hash: string;
  schemaVersion: number;
  /** Counts every change of the row; drives the ETag and guards against lost updates. */
  version: number;
  deletedAt: string | null;
  deletedBy: string | null;
  createdAt: string;
  createdBy: string | null;
  updatedAt: string;
  updatedBy: string | null;
  data: Record<string, unknown>;
}

/** One stored revision. */
export interface StoredRevision {
  id: string;
  n: number;
  parent: number | null;
  status: RevisionStatus;
  hash: string;
  schemaVersion: number;
  data: Record<string, unknown>;
  createdAt: string;
  createdBy: string | null;
}
