import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StrataError } from '../errors/index.js';

/**
 * A pass-through stream that hashes and counts what goes through it, failing with
 * PAYLOAD_TOO_LARGE at the first byte over `maxBytes`; `result()` once it has ended.
 */
export function hashingCounter(maxBytes: number): { stream: Transform; result(): { hash: string; size: number } } {
  const digest = createHash('sha256');
  let size = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      if (size > maxBytes) {
        done(new StrataError('PAYLOAD_TOO_LARGE', `the blob is larger than blobs.maxBytes (${maxBytes} bytes)`));
        return;
      }
      digest.update(chunk);
      done(null, chunk);
    },
  });
  return { stream, result: () => ({ hash: `sha256:${digest.digest('hex')}`, size }) };
}

/** A stored blob as the store knows it. */
export interface StoredBlob {
  /** `sha256:<hex>`. */
  hash: string;
  size: number;
  /** When the bytes were first stored (the grace period of `strata blobs gc` counts from it). */
  storedAt: Date;
}

/** Where blob bytes live: content-addressed, each distinct content stored once (docs/blobs.md). */
export interface BlobStore {
  /**
   * Streams `source` into the store, hashing as it goes (never whole in memory). More than
   * `maxBytes` is PAYLOAD_TOO_LARGE with nothing kept. `created` is false when those bytes were
   * stored already (the copy just read is dropped).
   */
  put(source: Readable, maxBytes: number): Promise<{ hash: string; size: number; created: boolean }>;
  /** The blob named `hash`, or undefined. */
  stat(hash: string): Promise<StoredBlob | undefined>;
  /** The bytes of `hash`, or those from `start` to `end` (both included). */
  open(hash: string, range?: { start: number; end: number }): Readable;
  delete(hash: string): Promise<void>;
  /** Every stored blob. */
  list(): AsyncIterable<StoredBlob>;
  /** Releases connections (called by `strata.close()`). */
  close?(): void;
}

/** The default store: a folder under ./data. */
export const DEFAULT_BLOB_STORE = 'file:./data/blobs';

const HEX = /^sha256:([0-9a-f]{64})$/;

/**
 * Blobs as files: `<root>/sha256/<first two hex digits>/<hex>`. An upload is written to
 * `<root>/tmp/` while it is hashed, then renamed into place (atomic on one file system), so a
 * reader never sees half a blob and two uploads of the same bytes leave one file.
 */
export class FolderBlobStore implements BlobStore {
  constructor(private readonly root: string) {}

  private pathOf(hash: string): string {
    const hex = HEX.exec(hash)?.[1];
    if (!hex) throw StrataError.badRequest(`${hash} is not a blob hash (sha256: and 64 hex digits)`);
    return join(this.root, 'sha256', hex.slice(0, 2), hex);
  }

  async put(source: Readable, maxBytes: number): Promise<{ hash: string; size: number; created: boolean }> {
    await mkdir(join(this.root, 'tmp'), { recursive: true });
    const temporary = join(this.root, 'tmp', randomUUID());
    const counter = hashingCounter(maxBytes);
    try {
      await pipeline(source, counter.stream, createWriteStream(temporary, { flags: 'wx' }));
    } catch (error) {
      await unlink(temporary).catch(() => undefined);
      throw error;
    }
    const { hash, size } = counter.result();
    const target = this.pathOf(hash);
    if (await stat(target).catch(() => undefined)) {
      await unlink(temporary);
      return { hash, size, created: false };
    }
    await mkdir(join(target, '..'), { recursive: true });
    await rename(temporary, target);
    return { hash, size, created: true };
  }

  async stat(hash: string): Promise<StoredBlob | undefined> {
    if (!HEX.test(hash)) return undefined;
    const found = await stat(this.pathOf(hash)).catch(() => undefined);
    return found?.isFile() ? { hash, size: found.size, storedAt: found.mtime } : undefined;
  }

  open(hash: string, range?: { start: number; end: number }): Readable {
    return createReadStream(this.pathOf(hash), range ? { start: range.start, end: range.end } : {});
  }

  async delete(hash: string): Promise<void> {
    await unlink(this.pathOf(hash)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }

  async *list(): AsyncIterable<StoredBlob> {
    const base = join(this.root, 'sha256');
    const prefixes = await readdir(base).catch(() => [] as string[]);
    for (const prefix of prefixes.sort()) {
      for (const name of (await readdir(join(base, prefix)).catch(() => [] as string[])).sort()) {
        const found = await this.stat(`sha256:${name}`);
        if (found) yield found;
      }
    }
  }
}
