import { randomUUID, createHash } from 'node:crypto';
import { PassThrough, Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  CopyObjectCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { BootstrapError, StrataError } from '../errors/index.js';
import { hashingCounter, type BlobStore, type StoredBlob } from './blob-store.js';

const HEX = /^sha256:([0-9a-f]{64})$/;

/**
 * Blobs in an S3-compatible bucket, named by `s3://bucket/prefix?endpoint=…&region=…&forcePathStyle=true`
 * (endpoint and region optional; credentials from the AWS SDK's usual chain: `AWS_ACCESS_KEY_ID`,
 * `AWS_SECRET_ACCESS_KEY`, profiles, roles). Objects are `<prefix>sha256/<hex>`; an upload goes to
 * `<prefix>tmp/<uuid>` (multipart, streamed) while it is hashed, then is copied into place and removed.
 */
export class S3BlobStore implements BlobStore {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(url: string) {
    const parsed = new URL(url);
    this.bucket = parsed.hostname;
    if (!this.bucket) throw new BootstrapError([`blobs.store "${url}" names no bucket; use s3://bucket/prefix?endpoint=…`]);
    const path = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
    this.prefix = path === '' || path.endsWith('/') ? path : `${path}/`;
    const endpoint = parsed.searchParams.get('endpoint') ?? undefined;
    this.client = new S3Client({
      region: parsed.searchParams.get('region') ?? process.env.AWS_REGION ?? 'us-east-1',
      ...(endpoint ? { endpoint } : {}),
      forcePathStyle: parsed.searchParams.get('forcePathStyle') === 'true' || endpoint !== undefined,
    });
  }

  private keyOf(hash: string): string {
    const hex = HEX.exec(hash)?.[1];
    if (!hex) throw StrataError.badRequest(`${hash} is not a blob hash (sha256: and 64 hex digits)`);
    return `${this.prefix}sha256/${hex}`;
  }

  async put(source: Readable, maxBytes: number): Promise<{ hash: string; size: number; created: boolean }> {
    const temporary = `${this.prefix}tmp/${randomUUID()}`;
    const counter = hashingCounter(maxBytes);
    const body = new PassThrough();
    const upload = new Upload({ client: this.client, params: { Bucket: this.bucket, Key: temporary, Body: body } });
    try {
      await Promise.all([pipeline(source, counter.stream, body), upload.done()]);
    } catch (error) {
      await upload.abort().catch(() => undefined);
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: temporary })).catch(() => undefined);
      throw error;
    }
    const { hash, size } = counter.result();
    const exists = await this.stat(hash);
    if (!exists) await this.client.send(new CopyObjectCommand({ Bucket: this.bucket, Key: this.keyOf(hash), CopySource: `${this.bucket}/${encodeURIComponent(temporary).replaceAll('%2F', '/')}` }));
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: temporary }));
    return { hash, size, created: !exists };
  }

  async stat(hash: string): Promise<StoredBlob | undefined> {
    if (!HEX.test(hash)) return undefined;
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.keyOf(hash) }));
      return { hash, size: Number(head.ContentLength ?? 0), storedAt: head.LastModified ?? new Date(0) };
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 404 || (error as Error).name === 'NotFound' || (error as Error).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  open(hash: string, range?: { start: number; end: number }): Readable {
    const out = new PassThrough();
    this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.keyOf(hash), ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}) }))
      .then((object) => pipeline(object.Body as Readable, out))
      .catch((error: Error) => out.destroy(error));
    return out;
  }

  async delete(hash: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.keyOf(hash) }));
  }

  async *list(): AsyncIterable<StoredBlob> {
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: `${this.prefix}sha256/`, ContinuationToken: token }));
      for (const object of page.Contents ?? []) {
        const hex = object.Key?.slice(`${this.prefix}sha256/`.length);
        if (hex && /^[0-9a-f]{64}$/.test(hex)) yield { hash: `sha256:${hex}`, size: Number(object.Size ?? 0), storedAt: object.LastModified ?? new Date(0) };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  /** Closes the client's connections. */
  close(): void {
    this.client.destroy();
  }
}
