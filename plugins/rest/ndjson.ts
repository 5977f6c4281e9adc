import type { Request, Response } from 'express';
import { decodeUtf8, parseJsonText, StrataError, type Logger } from '../../lib/plugin-api.js';

/**
 * Streams records one JSON document per line, so memory stays flat however many there are. The
 * first record is read before the status line, so an early failure is still a problem+json.
 */
export async function streamNdjson(response: Response, records: AsyncIterator<unknown>, logger: Logger): Promise<Response> {
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

/**
 * The records of an NDJSON body (read whole by the body reader) with their line numbers; a line
 * that is not JSON, or nests too deep, is a 400 naming it. Lines are found one at a time, so a body
 * of many blank lines costs one pass and no array of them.
 */
export function readNdjson(request: Request): { records: unknown[]; lines: number[] } {
  const text = Buffer.isBuffer(request.body) ? decodeUtf8(request.body) : '';
  const records: unknown[] = [];
  const lines: number[] = [];
  for (let start = 0, line = 1; start < text.length; line++) {
    const end = text.indexOf('\n', start);
    const stop = end === -1 ? text.length : end;
    const content = text.slice(start, stop);
    if (content.trim() !== '') {
      records.push(parseJsonText(content, undefined, `line ${line} of the NDJSON body`));
      lines.push(line);
    }
    start = stop + 1;
  }
  return { records, lines };
}
