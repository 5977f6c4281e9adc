import 'reflect-metadata';
import { IsEmail, IsInt, IsOptional, Length, Min } from 'class-validator';
import { definePlugin, Indexed, Resource, Versioned } from '../../index.js';

/**
 * The resource the REST and GraphQL functional suites share: served at `/contacts`, and in GraphQL
 * as `contact`, `contacts`, `ContactInput`, `createContact`, `contactDiff` and so on. It exercises:
 * - drafts (`@Versioned({ drafts: true })`): `?draft=true` / `draft: true`, publish, switch and the revision history;
 * - a unique index (`email`): UNIQUE_VIOLATION on create, patch, restore, switch and import;
 * - a full-text index (`title`): `q` searches;
 * - a plain index on a required string (`name`) and on an optional integer with a minimum (`age`): filters, sorting, cursors;
 * - an optional field that is not indexed (`bio`): left out of responses when absent, refused in `sort` and `where`;
 * - validation of every field: lengths, an email address, an integer of at least 0.
 */
@Resource()
@Versioned({ drafts: true })
export class Contact {
  @Indexed() @Length(1, 100) name!: string;
  @Indexed({ unique: true }) @IsEmail() email!: string;
  @Indexed({ text: true }) @Length(1, 200) title!: string;
  @Indexed() @IsOptional() @IsInt() @Min(0) age?: number;
  @IsOptional() @Length(0, 2000) bio?: string;
}

let contactCounter = 0;

/**
 * Valid data for a new `Contact`: a name, email and title no other call in this process returns,
 * `age` 30 and no `bio`; `overrides` replace or add fields.
 * @example const body = contactData({ bio: 'Likes maths' }); // { name: 'Contact 7', email: 'contact-7@example.com', title: 'Title 7', age: 30, bio: 'Likes maths' }
 */
export function contactData(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  contactCounter += 1;
  return { name: `Contact ${contactCounter}`, email: `contact-${contactCounter}@example.com`, title: `Title ${contactCounter}`, age: 30, ...overrides };
}

/** The name (or id) that makes `failingPlugin`'s hook throw a plain Error. */
export const EXPLODE = 'explode';
/** The message of that Error: it must never reach a client. */
export const SECRET = 'database password is hunter2';

/** A plugin whose hook throws a plain (non-Strata) Error on create/get of `EXPLODE`, as a bug in user code would. */
export const failingPlugin = definePlugin({
  name: 'failing-hook',
  configure({ hooks }) {
    hooks.before(['create', 'get'], (context) => {
      const data = context.input.data as { name?: unknown } | undefined;
      if (data?.name === EXPLODE || context.input.id === EXPLODE) throw new Error(SECRET);
    });
  },
});

/** Collects (and silences) what is written to stderr, where the logger writes one JSON line per entry, until `restore()`. */
export function tapStderr(): { lines: string[]; restore(): void } {
  const lines: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    lines.push(String(chunk));
    (rest.find((argument) => typeof argument === 'function') as (() => void) | undefined)?.();
    return true;
  }) as typeof process.stderr.write;
  return { lines, restore: () => { process.stderr.write = write; } };
}

/** Runs `action` while capturing (and silencing) stderr. */
export async function captureStderr<T>(action: () => Promise<T>): Promise<{ result: T; lines: string[] }> {
  const tap = tapStderr();
  try {
    return { result: await action(), lines: tap.lines };
  } finally {
    tap.restore();
  }
}
