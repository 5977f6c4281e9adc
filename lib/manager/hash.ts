import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level, so equal data always serializes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const keys = Object.keys(value).filter((key) => (value as Record<string, unknown>)[key] !== undefined).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The content hash of a revision's data: `sha256:<hex>` of its canonical JSON. */
export function contentHash(data: Record<string, unknown>): string {
  return `sha256:${createHash('sha256').update(canonicalJson(data)).digest('hex')}`;
}
