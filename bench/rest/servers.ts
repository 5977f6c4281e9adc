import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express, { type Request, type Response } from 'express';
import { EntitySchema, MikroORM, SqliteDriver, UniqueConstraintViolationException, type FilterQuery, type Options } from '@mikro-orm/sqlite';
import { v7 as uuidv7 } from 'uuid';
import { bootstrap, permissionsPlugin } from '../../index.js';
import { Member, Person, personData, Team } from '../support/person.js';

/** The data of the i-th person: the same rows in both databases. */
export const person = personData;

/** Teams and members the plain Strata server also holds, for the `expand` comparison. */
const TEAMS = 50;
const MEMBERS = 2000;

/** A running server: its port, some ids to read, and how to stop it. */
export interface RunningServer {
  port: number;
  ids: string[];
  close(): Promise<void>;
}

/**
 * The quickstart way: `bootstrap` on Express with the default plugins, SQLite file. `permissions`:
 * with `permissionsPlugin()` too, every request made by one `reader` whose rule has one row scope
 * (`age >= 0`, which every person matches, so both runs answer the same rows).
 */
export async function startStrata(file: string, seed: number, options: { permissions?: boolean } = {}): Promise<RunningServer> {
  const app = express();
  const reader = { id: 'bench-reader', roles: ['reader'] };
  const strata = await bootstrap(app, {
    // Teams and members only where no permission rules would have to name them.
    resources: options.permissions ? [Person] : [Person, Team, Member], database: `sqlite:${file}`, logLevel: 'warn',
    ...(options.permissions ? {
      plugins: [permissionsPlugin({ rules: { Person: [{ roles: 'reader', actions: '*', where: { age: { gte: 0 } } }] } })],
      currentUser: () => reader,
    } : {}),
  });
  const people = strata.manager(Person);
  const ids: string[] = [];
  for (let start = 0; start < seed; start += 1000) {
    const batch = Array.from({ length: Math.min(1000, seed - start) }, (_, offset) => person(start + offset));
    for (const created of await people.createMany(batch)) ids.push(created.id);
  }
  if (!options.permissions) {
    const teams = await strata.manager(Team).createMany(Array.from({ length: TEAMS }, (_, index) => ({ name: `Team ${index}` })));
    await strata.manager(Member).createMany(Array.from({ length: MEMBERS }, (_, index) => ({ name: `Member ${index}`, teamId: teams[index % TEAMS].id })));
  }
  const server = await listen(app);
  return { port: (server.address() as AddressInfo).port, ids, close: async () => { await closeServer(server); await strata.close(); } };
}

interface PersonRow {
  id: string;
  name: string;
  email: string;
  age: number;
  bio?: string | null;
  createdAt: string;
  updatedAt: string;
}

/** The same columns and indexes Strata gives Person: name, unique email, age, creation order. */
const PersonSchema = new EntitySchema<PersonRow>({
  name: 'BaselinePerson',
  tableName: 'people',
  properties: {
    id: { type: 'string', columnType: 'text', primary: true },
    name: { type: 'string', columnType: 'text' },
    email: { type: 'string', columnType: 'text', unique: true },
    age: { type: 'number', columnType: 'integer' },
    bio: { type: 'string', columnType: 'text', nullable: true },
    createdAt: { type: 'string', columnType: 'text' },
    updatedAt: { type: 'string', columnType: 'text' },
  },
  indexes: [{ properties: ['name', 'id'] }, { properties: ['age', 'id'] }, { properties: ['createdAt', 'id'] }],
});

/**
 * The hand-written baseline: Express + MikroORM with the same SQLite settings as Strata (WAL, one
 * connection), checking the body by hand, `em.fork()` per request, `findOne`, `create` + `flush`,
 * and a filtered `find` in creation order.
 */
export async function startBaseline(file: string, seed: number): Promise<RunningServer> {
  const orm = await MikroORM.init({
    driver: SqliteDriver,
    dbName: file,
    entities: [PersonSchema],
    debug: false,
    pool: {
      min: 1,
      max: 1,
      afterCreate(connection: { exec(sql: string, done: (error: Error | null) => void): void }, done: (error: Error | null, connection: unknown) => void) {
        connection.exec('PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL;', (error) => done(error, connection));
      },
    },
  } as Options);
  await orm.schema.createSchema();
  const ids: string[] = [];
  for (let start = 0; start < seed; start += 1000) {
    const rows = Array.from({ length: Math.min(1000, seed - start) }, (_, offset) => {
      const now = new Date().toISOString();
      return { id: uuidv7(), ...person(start + offset), createdAt: now, updatedAt: now };
    });
    await orm.em.fork().insertMany(PersonSchema, rows);
    ids.push(...rows.map((row) => row.id));
  }

  const app = express();
  app.get('/people/:id', async (request: Request, response: Response) => {
    const found = await orm.em.fork().findOne(PersonSchema, { id: request.params.id });
    if (!found) return response.status(404).json({ error: 'not found' });
    return response.json(found);
  });
  app.get('/people', async (request: Request, response: Response) => {
    const where = (request.query.where ?? {}) as { age?: { gte?: string } };
    const limit = Number(request.query.limit ?? 20);
    if (!Number.isInteger(limit) || limit < 0 || limit > 1000) return response.status(400).json({ error: 'bad limit' });
    const filter: FilterQuery<PersonRow> = where.age?.gte !== undefined ? { age: { $gte: Number(where.age.gte) } } : {};
    const items = await orm.em.fork().find(PersonSchema, filter, { orderBy: { createdAt: 'asc', id: 'asc' }, limit });
    return response.json({ items });
  });
  app.post('/people', express.json(), async (request: Request, response: Response) => {
    const problem = checkPerson(request.body);
    if (problem) return response.status(422).json({ error: problem });
    const em = orm.em.fork();
    const now = new Date().toISOString();
    const created = em.create(PersonSchema, { id: uuidv7(), ...request.body, createdAt: now, updatedAt: now });
    try {
      await em.flush();
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) return response.status(409).json({ error: 'email taken' });
      throw error;
    }
    return response.status(201).location(`/people/${created.id}`).json(created);
  });
  const server = await listen(app);
  return { port: (server.address() as AddressInfo).port, ids, close: async () => { await closeServer(server); await orm.close(true); } };
}

/** What a hand-written app checks before storing a person. */
function checkPerson(body: unknown): string | undefined {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return 'expected an object';
  const { name, email, age, bio, ...rest } = body as Record<string, unknown>;
  if (Object.keys(rest).length > 0) return `unknown properties ${Object.keys(rest).join(', ')}`;
  if (typeof name !== 'string' || name.length < 1 || name.length > 100) return 'name must be 1 to 100 characters';
  if (typeof email !== 'string' || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) return 'email must be an email';
  if (!Number.isInteger(age) || (age as number) < 0) return 'age must be a whole number ≥ 0';
  if (bio !== undefined && (typeof bio !== 'string' || bio.length > 2000)) return 'bio must be at most 2000 characters';
  return undefined;
}

function listen(app: express.Express): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(0, '127.0.0.1', () => resolve(server)).once('error', reject);
  });
}

async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
