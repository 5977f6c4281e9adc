import { resolve } from 'node:path';
import { BootstrapError } from '../errors/index.js';
import { FolderBlobStore, type BlobStore } from './blob-store.js';
import { S3BlobStore } from './s3-blob-store.js';

/** Opens the store a `blobs.store` URL names: `file:<folder>` or `s3://bucket/prefix?endpoint=…` (an S3-compatible bucket). */
export function openBlobStore(url: string): BlobStore {
  if (url.startsWith('file:')) return new FolderBlobStore(resolve(url.slice('file:'.length)));
  if (url.startsWith('s3://')) return new S3BlobStore(url);
  throw new BootstrapError([`blobs.store "${url}" is not supported; use file:<folder> or s3://bucket/prefix?endpoint=…`]);
}
