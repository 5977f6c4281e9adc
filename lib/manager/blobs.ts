import { StrataError } from '../errors/index.js';
import type { ResourceModel } from '../metadata/model.js';
import type { BlobStore } from '../storage/blob-store.js';

/** The value of a `@Blob()` field (docs/blobs.md). */
export interface BlobValue {
  hash: string;
  size: number;
  contentType: string;
  filename?: string;
}

/** The names of the model's `@Blob()` fields. */
export function blobFields(model: ResourceModel): string[] {
  return model.fields.filter((field) => field.type.kind === 'blob').map((field) => field.name);
}

/**
 * Checks that every blob `data` names is stored, with the size it claims: a write naming bytes
 * nobody uploaded is VALIDATION_FAILED (422) naming the field.
 */
export async function checkBlobsExist(model: ResourceModel, data: Record<string, unknown>, store: BlobStore | undefined): Promise<void> {
  const problems = [];
  for (const field of blobFields(model)) {
    const value = data[field] as BlobValue | undefined | null;
    if (!value) continue;
    const stored = store && await store.stat(value.hash);
    if (!stored) problems.push({ path: field, message: `${field}: no blob ${value.hash} is stored; upload the bytes with POST /_blobs first`, constraint: 'blobExists' });
    else if (stored.size !== value.size) problems.push({ path: field, message: `${field}: blob ${value.hash} has ${stored.size} bytes, not ${value.size}`, constraint: 'blobExists' });
  }
  if (problems.length > 0) throw StrataError.validation(problems);
}
