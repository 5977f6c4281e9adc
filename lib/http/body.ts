import type { IncomingMessage } from 'node:http';
import type { Transform } from 'node:stream';
import zlib from 'node:zlib';
import { StrataError } from '../errors/index.js';

/** How a request body is read. */
export interface BodyLimits {
  /** Most bytes of the body after decoding its `Content-Encoding` (`1mb`, `100kb` or a number). */
  limit: string | number;
  /**
   * Most decoded bytes per byte sent once the body is over 1 MB decoded (default 100): real JSON and
   * NDJSON shrink 3–20 times under gzip, a compression bomb a thousand times and more.
   */
  maxRatio?: number;
}

const DECODERS: Record<string, () => Transform> = {
  gzip: () => zlib.createGunzip(),
  'x-gzip': () => zlib.createGunzip(),
  deflate: () => zlib.createInflate(),
  br: () => zlib.createBrotliDecompress(),
};

/** The `Content-Encoding`s Strata decodes (besides `identity`). */
export const DECODED_ENCODINGS = Object.keys(DECODERS);

const EMPTY = Buffer.alloc(0);
const UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };
const RATIO_FREE_BYTES = 1024 ** 2;

/** A size in bytes from `1mb`-style text or a number. */
export function parseByteSize(size: string | number): number {
  if (typeof size === 'number') return size;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$/i.exec(size);
  if (!match) throw new Error(`"${size}" is not a size; write bytes or e.g. '1mb'`);
  return Math.floor(Number(match[1]) * UNITS[(match[2] ?? 'b').toLowerCase()]);
}

/**
 * Reads a request body into one Buffer, decoding its `Content-Encoding` (gzip, deflate, br) as it
 * arrives. The limit counts decoded bytes and is checked while decoding, so a compression bomb is a
 * 413 after at most `limit` bytes of work; a body that fails to decode is a 400 and an encoding
 * Strata does not decode a 415. Reading stops at the first problem and the rest is discarded.
 */
export function readRequestBody(request: IncomingMessage, limits: BodyLimits): Promise<Buffer> {
  const limit = typeof limits.limit === 'number' ? limits.limit : parseByteSize(limits.limit);
  const maxRatio = limits.maxRatio ?? 100;
  const encoding = String(request.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  const declared = Number(request.headers['content-length']);
  // No body at all (most GETs): nothing to wait for.
  if (request.headers['transfer-encoding'] === undefined && (request.headers['content-length'] === undefined || declared === 0) && encoding === 'identity') {
    return Promise.resolve(EMPTY);
  }
  return new Promise<Buffer>((resolve, reject) => {
    const known = encoding === 'identity' || Object.hasOwn(DECODERS, encoding);
    const decoder = encoding === 'identity' || !known ? undefined : DECODERS[encoding]();
    const chunks: Buffer[] = [];
    let sent = 0;
    let decoded = 0;
    let done = false;
    function settle(finish: (value: never) => void, value: unknown): void {
      if (done) return;
      done = true;
      decoder?.destroy();
      // The rest of the body is read and thrown away, so the connection stays usable for the answer.
      request.resume();
      finish(value as never);
    }
    if (!known) {
      return settle(reject, new StrataError('UNSUPPORTED_MEDIA_TYPE', `Content-Encoding ${encoding.slice(0, 50)} is not supported; send identity, ${DECODED_ENCODINGS.join(', ')}`));
    }
    if (Number.isFinite(declared) && declared > limit) return settle(reject, tooLarge(limit));
    const take = (chunk: Buffer) => {
      decoded += chunk.length;
      if (decoded > limit) return settle(reject, tooLarge(limit));
      if (decoder && decoded > RATIO_FREE_BYTES && decoded > sent * maxRatio) {
        return settle(reject, new StrataError('PAYLOAD_TOO_LARGE', `The request body decodes to more than ${maxRatio} times its size; send it uncompressed`));
      }
      chunks.push(chunk);
    };
    request.on('data', (chunk: Buffer) => {
      if (done) return;
      sent += chunk.length;
      if (sent > limit) return settle(reject, tooLarge(limit));
      if (decoder) decoder.write(chunk);
      else take(chunk);
    });
    request.on('aborted', () => settle(reject, StrataError.badRequest('The request was aborted')));
    request.on('close', () => { if (!request.complete) settle(reject, StrataError.badRequest('The request was aborted')); });
    request.on('error', () => settle(reject, StrataError.badRequest('The request body could not be read')));
    request.on('end', () => {
      if (done) return;
      if (decoder) decoder.end();
      else settle(resolve, Buffer.concat(chunks));
    });
    if (decoder) {
      decoder.on('data', (chunk: Buffer) => { if (!done) take(chunk); });
      decoder.on('error', () => settle(reject, StrataError.badRequest(`The request body is not valid ${encoding} data`)));
      decoder.on('end', () => settle(resolve, Buffer.concat(chunks)));
    }
  });
}

function tooLarge(limit: number): StrataError {
  return new StrataError('PAYLOAD_TOO_LARGE', `The request body is larger than the limit of ${limit} bytes (counted after decoding)`);
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** The body as text; bytes that are not valid UTF-8 are a 400 (never stored as U+FFFD). */
export function decodeUtf8(body: Buffer): string {
  try {
    return STRICT_UTF8.decode(body);
  } catch {
    throw StrataError.badRequest('The request body is not valid UTF-8');
  }
}

/** How deep JSON bodies (and GraphQL input values) may nest by default: objects and arrays inside each other. */
export const DEFAULT_MAX_INPUT_DEPTH = 64;

/**
 * Throws BAD_REQUEST when the JSON text nests objects and arrays deeper than `maxDepth`. One pass
 * over the characters without recursion, run before `JSON.parse`, so deep input never reaches the
 * recursive code after it (validation, patching, hashing).
 */
export function checkJsonDepth(text: string, maxDepth = DEFAULT_MAX_INPUT_DEPTH, what = 'The JSON body'): void {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === 92) index++; // backslash: skip the escaped character
      else if (code === 34) inString = false;
    } else if (code === 34) {
      inString = true;
    } else if (code === 123 || code === 91) {
      if (++depth > maxDepth) throw StrataError.badRequest(`${what} nests deeper than ${maxDepth} levels`);
    } else if (code === 125 || code === 93) {
      depth--;
    }
  }
}

/** Parses JSON text after the depth check; text that is not JSON is a 400. */
export function parseJsonText(text: string, maxDepth = DEFAULT_MAX_INPUT_DEPTH, what = 'The request body'): unknown {
  checkJsonDepth(text, maxDepth, what);
  try {
    return JSON.parse(text);
  } catch (error) {
    // The engine's own message may quote the input; only the position leaves.
    const position = /position (\d+)/.exec((error as Error).message)?.[1];
    throw StrataError.badRequest(`${what} is not valid JSON${position === undefined ? '' : ` (at character ${position})`}`);
  }
}

/** The depth of nested objects and arrays in a parsed value, counted without recursion; stops past `maxDepth`. */
export function valueDepth(value: unknown, maxDepth = DEFAULT_MAX_INPUT_DEPTH): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    const here = depth + 1;
    if (here > deepest) deepest = here;
    if (deepest > maxDepth) return deepest;
    for (const child of Object.values(current)) stack.push([child, here]);
  }
  return deepest;
}
