import type { Request, Response } from 'express';
import { StrataError, type CurrentUser, type Logger, type ResourceManager } from '../../lib/index.js';
import { mediaType } from './request.js';

/** Media types `_import` accepts. */
export const NDJSON_TYPES = ['application/x-ndjson', 'application/jsonl'];

/**
 * Streams every resource (deleted ones too) with its full history, one JSON record per line, so
 * memory stays flat however large the collection is.
 */
export async function exportNdjson(response: Response, manager: ResourceManager, user: CurrentUser | null, logger: Logger): Promise<Response> {
  const records = manager.exportRecords({ user });
  const first = await records.next();
  response.status(200).type('application/x-ndjson');
  try {
    for (let entry = first; !entry.done; entry = await records.next()) {
      if (!response.write(`${JSON.stringify(entry.value)}\n`)) await new Promise((resolve) => response.once('drain', resolve));
    }
    response.end();
  } catch (error) {
    // The status line is gone: abort the connection so the client sees a cut-off export, never a short one that looks complete.
    logger.error('export failed while streaming', { requestId: response.getHeader('X-Request-Id'), error: error instanceof Error ? error.stack : String(error) });
    response.destroy(error instanceof Error ? error : undefined);
  }
  return response;
}

/** Imports NDJSON records (as `_export` writes them) in one transaction: all lines or none. */
export async function importNdjson(request: Request, manager: ResourceManager, user: CurrentUser | null): Promise<{ imported: number }> {
  if (!NDJSON_TYPES.includes(mediaType(request))) {
    throw new StrataError('UNSUPPORTED_MEDIA_TYPE', `_import takes ${NDJSON_TYPES.join(' or ')}; got ${mediaType(request) || 'no Content-Type'}`);
  }
  const text = Buffer.isBuffer(request.body) ? request.body.toString('utf8') : '';
  const records: unknown[] = [];
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    try {
      records.push(JSON.parse(line));
    } catch {
      throw StrataError.badRequest(`line ${index + 1} of the NDJSON body is not valid JSON`);
    }
  }
  return { imported: (await manager.importRecords(records, { user })).length };
}
