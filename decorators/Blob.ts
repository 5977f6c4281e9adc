import { noteProperty } from '../lib/metadata/args-store.js';
import type { FieldOptions } from '../lib/metadata/args.js';

/**
 * A file field (docs/blobs.md): its value is `{ hash, size, contentType, filename? }` naming bytes
 * uploaded with `POST /_blobs`, and `GET /<collection>/:id/<field>` streams them.
 * @example @Blob({ optional: true }) cover?: BlobValue;
 */
export function Blob(options: FieldOptions = {}): PropertyDecorator {
  return (prototype, property) => {
    const name = String(property);
    noteProperty(prototype.constructor, name).fields.set(name, { property: name, type: 'blob', options: { ...options } });
  };
}
