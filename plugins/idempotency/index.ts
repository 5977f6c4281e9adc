import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import { definePlugin, sendProblem, StrataError, type Database, type PluginContext, type StrataPlugin } from '../../lib/plugin-api.js';
import { IDEMPOTENCY_TABLE, idempotencyEntitySchema } from './schema.js';

export { IDEMPOTENCY_TABLE } from './schema.js';

/** Options of the idempotency plugin. */
export interface IdempotencyOptions {
  /** Milliseconds a key is kept (default 24 h). */
  ttlMs?: number;
  /** Milliseconds after which a key whose first request never answered (its server died) may be used again (default 5 min). */
  staleAfterMs?: number;
}

/**
 * What the plugin provides as service `idempotency`: the REST plugin calls `guard` for POST creates,
 * `_bulk` and job creates once it read the body. True: run the request (its answer is kept if it
 * succeeds); false: the answer was sent (a replay, 400, 409 or 422).
 */
export interface IdempotencyService {
  guard(request: Request, response: Response, body: Buffer): Promise<boolean>;
}

/** Headers a replay does not repeat: they belong to the connection or to the first request. */
const NOT_REPLAYED = new Set(['x-request-id', 'connection', 'keep-alive', 'date', 'set-cookie', 'transfer-encoding']);
/** Printable ASCII, 1 to 255 characters (the draft's sf-string, quotes optional). */
const KEY = /^[\x20-\x7e]{1,255}$/;
/** Answers larger than this are not kept (the key is released, so a repeat runs again); logged as a warning. */
const MAX_KEPT_BODY = 8 * 1024 * 1024;
const HOUR = 3_600_000;

/**
 * `Idempotency-Key` on POST creates, `_bulk` and job creates (the IETF httpapi draft,
 * docs/operations.md): a repeat with the same key and body replays the first answer, the same key
 * with another request is a 422, a repeat while the first is still running is a 409. Keys live in
 * the database for `ttlMs` (24 h), so every server sharing it sees them. A default plugin with an app.
 * @example await bootstrap(app, { resources, plugins: [idempotencyPlugin({ ttlMs: 3_600_000 })] });
 */
export function idempotencyPlugin(options: IdempotencyOptions = {}): StrataPlugin {
  const ttlMs = options.ttlMs ?? 24 * HOUR;
  const staleAfterMs = options.staleAfterMs ?? 5 * 60_000;
  const timers = new WeakMap<PluginContext, NodeJS.Timeout>();
  return definePlugin({
    name: 'idempotency',
    requires: ['http'],
    provides: ['idempotency'],
    configure(context) {
      context.addEntitySchema(idempotencyEntitySchema(context.dialect));
      const service: IdempotencyService = { guard: (request, response, body) => guard(context, request, response, body, ttlMs, staleAfterMs) };
      context.provide('idempotency', service);
    },
    validate() {
      const problems: string[] = [];
      if (!(Number.isInteger(ttlMs) && ttlMs > 0)) problems.push(`option ttlMs must be whole milliseconds above 0, got ${String(options.ttlMs)}`);
      if (!(Number.isInteger(staleAfterMs) && staleAfterMs > 0)) problems.push(`option staleAfterMs must be whole milliseconds above 0, got ${String(options.staleAfterMs)}`);
      return problems;
    },
    async start(context) {
      const prune = () => context.database.run(`DELETE FROM "${IDEMPOTENCY_TABLE}" WHERE expires_at < ?`, [new Date().toISOString()])
        .catch((error: unknown) => context.logger.warn('idempotency: pruning expired keys failed; it is tried again in an hour', { error: String(error) }));
      await prune();
      const timer = setInterval(() => void prune(), HOUR);
      timer.unref();
      timers.set(context, timer);
    },
    stop(context) {
      clearInterval(timers.get(context));
    },
  });
}

/** The key of a request, or undefined without the header; a malformed one is a 400. */
function keyOf(request: Request): string | undefined {
  const header = request.headers['idempotency-key'];
  if (header === undefined) return undefined;
  const raw = Array.isArray(header) ? header.join(',') : header;
  // An sf-string is quoted ("abc"); a bare token is accepted too.
  const key = /^".*"$/.test(raw) ? raw.slice(1, -1) : raw;
  if (!KEY.test(key) || /["\\]/.test(key)) {
    throw StrataError.badRequest('Idempotency-Key must be 1 to 255 printable ASCII characters (without quotes or backslashes inside), as a structured-field string', [{ path: 'Idempotency-Key', message: 'malformed' }]);
  }
  return key;
}

const sha256 = (...parts: (string | Buffer)[]) => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\0');
  return hash.digest('hex');
};

type KeyRow = { fingerprint: string; state: string; status: number | null; headers: string | null; body: string | null; created_at: string; expires_at: string };

async function guard(context: PluginContext, request: Request, response: Response, body: Buffer, ttlMs: number, staleAfterMs: number): Promise<boolean> {
  let key: string | undefined;
  try {
    key = keyOf(request);
  } catch (error) {
    sendProblem(request, response, error, context.logger);
    return false;
  }
  if (key === undefined) return true;
  let user;
  try {
    user = await context.currentUser(request);
  } catch {
    return true; // a bad credential: the operation answers 401 and nothing is kept
  }
  const database = context.database;
  const keyHash = sha256(user ? `user:${user.id}` : 'anonymous', key);
  const fingerprint = sha256(request.method, request.originalUrl, body);
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const now = new Date();
    const claimed = await database.run(
      `INSERT INTO "${IDEMPOTENCY_TABLE}" (key_hash, fingerprint, state, created_at, expires_at) VALUES (?, ?, 'running', ?, ?) ON CONFLICT (key_hash) DO NOTHING`,
      [keyHash, fingerprint, now.toISOString(), new Date(now.getTime() + ttlMs).toISOString()],
    );
    if (claimed === 1) {
      keep(database, response, keyHash, context);
      return true;
    }
    const [row] = await database.all<KeyRow>(`SELECT fingerprint, state, status, headers, body, created_at, expires_at FROM "${IDEMPOTENCY_TABLE}" WHERE key_hash = ?`, [keyHash]);
    if (!row) continue; // released meanwhile: claim it again
    const stale = row.state === 'running' && Date.parse(row.created_at) < now.getTime() - staleAfterMs;
    if (row.expires_at < now.toISOString() || stale) {
      await database.run(`DELETE FROM "${IDEMPOTENCY_TABLE}" WHERE key_hash = ? AND created_at = ?`, [keyHash, row.created_at]);
      continue;
    }
    if (row.fingerprint !== fingerprint) {
      sendProblem(request, response, new StrataError('VALIDATION_FAILED', 'This Idempotency-Key was already used for another request (another path or body); use a new key for a new request', [{ path: 'Idempotency-Key', message: 'reused for another request' }]), context.logger);
      return false;
    }
    if (row.state === 'running') {
      sendProblem(request, response, new StrataError('CONFLICT', 'A request with this Idempotency-Key is still being processed; retry once it answered', [{ path: 'Idempotency-Key', message: 'in flight' }], { headers: { 'Retry-After': '1' } }), context.logger);
      return false;
    }
    for (const [name, value] of Object.entries(JSON.parse(row.headers ?? '{}') as Record<string, string | string[]>)) response.setHeader(name, value);
    response.setHeader('Idempotent-Replayed', 'true');
    response.status(row.status ?? 200).end(row.body ?? '');
    return false;
  }
  sendProblem(request, response, new StrataError('CONFLICT', 'This Idempotency-Key is being claimed and released by other requests; retry', [{ path: 'Idempotency-Key', message: 'contended' }]), context.logger);
  return false;
}

/**
 * Keeps the answer of the request that claimed the key, before the client gets it (so a repeat
 * after the answer always finds it): a success (2xx) is stored for replays; anything else releases
 * the key (nothing was written), so a retry runs again. A connection closed before the answer
 * releases it too.
 */
function keep(database: Database, response: Response, keyHash: string, context: PluginContext): void {
  const chunks: Buffer[] = [];
  let size = 0;
  const write = response.write.bind(response) as (...args: unknown[]) => boolean;
  const end = response.end.bind(response) as (...args: unknown[]) => Response;
  const collect = (chunk: unknown, encoding?: unknown) => {
    if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string, typeof encoding === 'string' ? encoding as BufferEncoding : 'utf8');
    size += buffer.length;
    if (size <= MAX_KEPT_BODY) chunks.push(buffer);
  };
  let settled = false;
  const release = () => database.run(`DELETE FROM "${IDEMPOTENCY_TABLE}" WHERE key_hash = ? AND state = 'running'`, [keyHash]);
  const store = () => {
    const status = response.statusCode;
    if (!(status >= 200 && status < 300)) return release();
    if (size > MAX_KEPT_BODY) {
      context.logger.warn(`idempotency: an answer of ${size} bytes is too large to keep; a repeat of the request runs again`);
      return release();
    }
    const headers = Object.entries(response.getHeaders())
      .filter(([name]) => !NOT_REPLAYED.has(name.toLowerCase()))
      .map(([name, value]) => [name, Array.isArray(value) ? value : String(value)]);
    return database.run(`UPDATE "${IDEMPOTENCY_TABLE}" SET state = 'done', status = ?, headers = ?, body = ? WHERE key_hash = ?`, [
      status, JSON.stringify(Object.fromEntries(headers)), Buffer.concat(chunks).toString('utf8'), keyHash,
    ]);
  };
  (response as { write: unknown }).write = (chunk: unknown, ...rest: unknown[]) => {
    collect(chunk, rest[0]);
    return write(chunk, ...rest);
  };
  (response as { end: unknown }).end = (chunk?: unknown, ...rest: unknown[]) => {
    if (settled) return end(chunk, ...rest);
    settled = true;
    collect(chunk, rest[0]);
    // Headers count as sent from here on (nothing reaches the socket before end), so no later
    // middleware answers the request while the answer is being kept.
    const kept = store();
    if (!response.headersSent) response.writeHead(response.statusCode);
    kept.catch((error: unknown) => context.logger.warn('idempotency: keeping the answer failed', { error: String(error) }))
      .finally(() => end(chunk, ...rest));
    return response;
  };
  response.once('close', () => {
    if (settled) return;
    settled = true;
    release().catch((error: unknown) => context.logger.warn('idempotency: releasing a key failed', { error: String(error) }));
  });
}
