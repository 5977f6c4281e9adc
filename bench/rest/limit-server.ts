import http from 'node:http';
import type { AddressInfo } from 'node:net';
import sqlite3 from 'sqlite3';
import { v7 as uuidv7 } from 'uuid';
import { person } from './servers.js';
import type { RunningServer } from './servers.js';

type Statement = sqlite3.Statement;

/**
 * The raw limit: what this box does with nothing but `node:http` and prepared `sqlite3` statements
 * on one connection with Strata's pragmas (WAL, synchronous NORMAL, busy timeout). No framework, no
 * validation beyond the shape, no history: GET reads the row by id, the list runs the same indexed
 * query as the others, POST inserts one row (its own transaction). Nothing a real app could go
 * faster than on this database.
 */
export async function startLimit(file: string, seed: number): Promise<RunningServer> {
  const database = await new Promise<sqlite3.Database>((resolve, reject) => {
    const opened: sqlite3.Database = new sqlite3.Database(file, (error) => (error ? reject(error) : resolve(opened)));
  });
  const exec = (sql: string) => new Promise<void>((resolve, reject) => database.exec(sql, (error) => (error ? reject(error) : resolve())));
  await exec('PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL;');
  await exec(`CREATE TABLE people (id TEXT PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL UNIQUE, age INTEGER NOT NULL, bio TEXT,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
    CREATE INDEX people_name ON people (name, id); CREATE INDEX people_age ON people (age, id); CREATE INDEX people_created ON people (created_at, id);`);
  const prepare = (sql: string) => database.prepare(sql);
  const insert = prepare('INSERT INTO people (id, name, email, age, bio, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const byId = prepare('SELECT * FROM people WHERE id = ?');
  const byAge = prepare('SELECT * FROM people WHERE age >= ? ORDER BY created_at, id LIMIT ?');
  const run = (statement: Statement, params: unknown[]) => new Promise<void>((resolve, reject) => statement.run(params, (error) => (error ? reject(error) : resolve())));
  const all = (statement: Statement, params: unknown[]) => new Promise<unknown[]>((resolve, reject) => statement.all(params, (error, rows) => (error ? reject(error) : resolve(rows))));
  const ids: string[] = [];
  for (let start = 0; start < seed; start += 1000) {
    await exec('BEGIN');
    for (let index = start; index < Math.min(seed, start + 1000); index++) {
      const data = person(index);
      const now = new Date().toISOString();
      const id = uuidv7();
      await run(insert, [id, data.name, data.email, data.age, data.bio, now, now]);
      ids.push(id);
    }
    await exec('COMMIT');
  }

  const answer = (response: http.ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    response.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    response.end(text);
  };
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const failed = (error: unknown) => answer(response, /UNIQUE/.test(String(error)) ? 409 : 500, { error: String(error) });
    if (request.method === 'GET' && url.pathname.startsWith('/people/')) {
      all(byId, [url.pathname.slice('/people/'.length)]).then((rows) => (rows[0] ? answer(response, 200, rows[0]) : answer(response, 404, { error: 'not found' })), failed);
    } else if (request.method === 'GET' && url.pathname === '/people') {
      all(byAge, [Number(url.searchParams.get('where[age][gte]') ?? 0), Number(url.searchParams.get('limit') ?? 20)]).then((items) => answer(response, 200, { items }), failed);
    } else if (request.method === 'POST' && url.pathname === '/people') {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { name: string; email: string; age: number; bio?: string };
        const now = new Date().toISOString();
        const row = { id: uuidv7(), ...body, createdAt: now, updatedAt: now };
        run(insert, [row.id, body.name, body.email, body.age, body.bio ?? null, now, now]).then(() => answer(response, 201, row), failed);
      });
    } else {
      answer(response, 404, { error: 'not found' });
    }
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as AddressInfo).port,
    ids,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      for (const statement of [insert, byId, byAge]) await new Promise<void>((resolve) => statement.finalize(() => resolve()));
      await new Promise<void>((resolve) => database.close(() => resolve()));
    },
  };
}
