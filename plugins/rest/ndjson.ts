import type { Request, Response } from 'express';
import { StrataError, type Logger } from '../../lib/plugin-api.js';

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

/** The records of an NDJSON body (read whole by the body reader); a line that is not JSON is a 400 naming it. */
export function readNdjson(request: Request): unknown[] {
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
  return records;
}
