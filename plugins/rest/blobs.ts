import type { Request, Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { sendJson, sendProblem, StrataError, type BlobDownload, type Logger, type PluginContext } from '../../lib/plugin-api.js';

/** `bytes=a-b`, `bytes=a-` or `bytes=-n` of a blob of `size` bytes: the bytes asked for, or undefined to send them all (RFC 9110 lets a server ignore a Range it cannot serve). */
function rangeOf(header: string | undefined, size: number): { start: number; end: number } | undefined {
  const match = header === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '') || size === 0) return undefined;
  let start: number;
  let end: number;
  if (match[1] === '') {
    start = Math.max(0, size - Number(match[2]));
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  return start <= end && start < size ? { start, end } : undefined;
}

/**
 * Streams a blob (RFC 9110): its Content-Type, Content-Length and strong ETag (`"sha256:<hex>"`),
 * `If-None-Match` → 304, and one `Range` → 206 with Content-Range.
 */
export async function sendBlob(request: Request, response: Response, download: BlobDownload, logger: Logger): Promise<Response> {
  const { value } = download;
  const etag = `"${value.hash}"`;
  response.setHeader('ETag', etag);
  response.setHeader('Accept-Ranges', 'bytes');
  response.setHeader('Cache-Control', 'private, no-cache');
  const ifNoneMatch = request.header('If-None-Match');
  if (ifNoneMatch !== undefined && ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag || tag.trim() === '*')) {
    response.status(304).end();
    return response;
  }
  const ifRange = request.header('If-Range');
  const range = ifRange === undefined || ifRange === etag ? rangeOf(request.header('Range'), value.size) : undefined;
  response.setHeader('Content-Type', value.contentType);
  if (value.filename !== undefined) response.setHeader('Content-Disposition', `inline; filename*=UTF-8''${encodeURIComponent(value.filename)}`);
  if (range) {
    response.status(206);
    response.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${value.size}`);
    response.setHeader('Content-Length', String(range.end - range.start + 1));
  } else {
    response.status(200);
    response.setHeader('Content-Length', String(value.size));
  }
  if (request.method === 'HEAD') {
    response.end();
    return response;
  }
  try {
    await pipeline(download.open(range), response);
  } catch (error) {
    // Headers are sent: the client sees a cut-short body; the log says why.
    logger.warn(`blob ${value.hash} could not be sent completely: ${(error as Error).message}`);
    response.destroy();
  }
  return response;
}

/**
 * `POST /_blobs`: streams the raw body into the blob store (never whole in memory; more than
 * `blobs.maxBytes` is a 413), keeping its Content-Type and `?filename=`. 201 with the blob's value,
 * or 200 when those bytes were stored already.
 */
export function blobUploadHandler(context: PluginContext) {
  return async (request: Request, response: Response): Promise<void> => {
    try {
      // A bad credential is a 401 here too (an auth plugin throws); the bytes are inert until a checked write names them.
      await context.currentUser(request);
      const encoding = (request.header('Content-Encoding') ?? 'identity').trim().toLowerCase();
      if (encoding !== 'identity') throw new StrataError('UNSUPPORTED_MEDIA_TYPE', `POST /_blobs takes the bytes as they are; Content-Encoding ${encoding} is not decoded`);
      const { maxBytes } = context.options.blobs;
      const declared = Number(request.header('Content-Length'));
      if (Number.isFinite(declared) && declared > maxBytes) throw new StrataError('PAYLOAD_TOO_LARGE', `the blob is larger than blobs.maxBytes (${maxBytes} bytes)`);
      const filename = request.query.filename;
      if (filename !== undefined && (typeof filename !== 'string' || filename === '' || filename.length > 255)) throw StrataError.badRequest('filename must be one string of 1 to 255 characters');
      const contentType = (request.header('Content-Type') ?? 'application/octet-stream').trim().slice(0, 255) || 'application/octet-stream';
      const stored = await context.blobs.put(request, maxBytes);
      sendJson(response, stored.created ? 201 : 200, { hash: stored.hash, size: stored.size, contentType, ...(filename !== undefined ? { filename } : {}) });
    } catch (error) {
      // The rest of a refused upload is not read: close the connection after the answer.
      if (!request.complete) response.setHeader('Connection', 'close');
      sendProblem(request, response, error, context.logger);
    }
  };
}
