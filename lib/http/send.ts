import type { Response } from 'express';

/** Writes a body as is: unlike `res.send`, no weak ETag of Express's own is added. */
export function sendText(response: Response, status: number, contentType: string, text: string, headers: Record<string, string> = {}): Response {
  for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
  response.status(status).setHeader('Content-Type', `${contentType}; charset=utf-8`);
  response.setHeader('Content-Length', Buffer.byteLength(text));
  response.end(text);
  return response;
}

/** Sends a JSON body with a status and headers. */
export function sendJson(response: Response, status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return sendText(response, status, 'application/json', JSON.stringify(body), headers);
}
