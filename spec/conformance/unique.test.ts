import 'reflect-metadata';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IsEmail, IsOptional, Length } from 'class-validator';
import { Indexed, Resource, Versioned, isStrataError } from '../../lib/index.js';
import { BACKENDS } from '../support/backends.js';
import { expectStrataError, uniqueEmail, useConformanceApp } from '../support/conformance.js';

@Resource()
@Versioned()
class Subscriber {
  @Indexed() @Length(1, 100) name!: string;
  @Indexed({ unique: true }) @IsEmail() email!: string;
  @Indexed({ unique: true }) @IsOptional() @Length(1, 30) handle?: string;
}

let handles = 0;
const uniqueHandle = () => `handle${++handles}`;

describe('conformance: unique values', () => {
  for (const backend of BACKENDS) {
    describe(backend.name, () => {
      const app = useConformanceApp(backend, { resources: [Subscriber] });
      const subscribers = () => app.strata.manager(Subscriber);

      it('create with a taken value is UNIQUE_VIOLATION naming the field', async () => {
        const email = uniqueEmail('create');
        await subscribers().create({ name: 'First', email });
        const error = await expectStrataError(subscribers().create({ name: 'Second', email }), 'UNIQUE_VIOLATION');
        assert.equal(error.errors[0].path, 'email');
        assert.equal(error.status, 409);
        assert.equal(await subscribers().count({ where: { email } }), 1);

        const handle = uniqueHandle();
        await subscribers().create({ name: 'Third', email: uniqueEmail('create'), handle });
        const second = await expectStrataError(subscribers().create({ name: 'Fourth', email: uniqueEmail('create'), handle }), 'UNIQUE_VIOLATION');
        assert.equal(second.errors[0].path, 'handle');
        assert.equal(await subscribers().count({ where: { name: 'Fourth' } }), 0);
      });

      it('missing optional unique values never conflict', async () => {
        await subscribers().create({ name: 'No handle', email: uniqueEmail('nohandle') });
        await subscribers().create({ name: 'No handle', email: uniqueEmail('nohandle') });
        assert.equal(await subscribers().count({ where: { name: 'No handle' } }), 2);
      });

      it('update to a taken value is UNIQUE_VIOLATION and writes nothing', async () => {
        const taken = uniqueEmail('taken');
        await subscribers().create({ name: 'Holder', email: taken });
        const other = await subscribers().create({ name: 'Other', email: uniqueEmail('other') });
        const error = await expectStrataError(subscribers().update(other.id, { name: 'Other', email: taken }), 'UNIQUE_VIOLATION');
        assert.equal(error.errors[0].path, 'email');
        await expectStrataError(subscribers().patch(other.id, { email: taken }), 'UNIQUE_VIOLATION');
        assert.deepEqual(await subscribers().get(other.id), other);
        assert.equal((await subscribers().revisions(other.id)).items.length, 1);
      });

      it('a value given up by an update is free for others', async () => {
        const email = uniqueEmail('moving');
        const mover = await subscribers().create({ name: 'Mover', email });
        await subscribers().patch(mover.id, { email: uniqueEmail('moved') });
        const taker = await subscribers().create({ name: 'Taker', email });
        assert.equal(taker.email, email);
      });

      it('restore into a value taken meanwhile is UNIQUE_VIOLATION', async () => {
        const handle = uniqueHandle();
        const original = await subscribers().create({ name: 'Original', email: uniqueEmail('restore'), handle });
        await subscribers().delete(original.id);
        await subscribers().create({ name: 'Newcomer', email: uniqueEmail('restore'), handle });
        const error = await expectStrataError(subscribers().restore(original.id), 'UNIQUE_VIOLATION');
        assert.equal(error.errors[0].path, 'handle');
        await expectStrataError(subscribers().get(original.id), 'GONE');
      });

      it('switching back to a revision whose value another resource now holds is UNIQUE_VIOLATION', async () => {
        const email = uniqueEmail('switch');
        const created = await subscribers().create({ name: 'Switcher', email });
        const moved = await subscribers().update(created.id, { name: 'Switcher', email: uniqueEmail('switched') });
        await subscribers().create({ name: 'Claimer', email });
        const error = await expectStrataError(subscribers().switch(created.id, 1), 'UNIQUE_VIOLATION');
        assert.equal(error.errors[0].path, 'email');
        assert.deepEqual(await subscribers().get(created.id), moved);
      });

      it('concurrent creates of one value: exactly one succeeds', async () => {
        const email = uniqueEmail('race');
        const outcomes = await Promise.allSettled(Array.from({ length: 5 }, (_, index) => subscribers().create({ name: `Racer ${index}`, email })));
        assert.equal(outcomes.filter((outcome) => outcome.status === 'fulfilled').length, 1);
        for (const outcome of outcomes) {
          if (outcome.status === 'fulfilled') continue;
          assert.ok(isStrataError(outcome.reason), String(outcome.reason));
          assert.equal(outcome.reason.code, 'UNIQUE_VIOLATION');
        }
        assert.equal(await subscribers().count({ where: { email } }), 1);
      });

      it('createMany with a duplicate inside the batch stores nothing', async () => {
        const email = uniqueEmail('batch');
        const error = await expectStrataError(subscribers().createMany([
          { name: 'Batch one', email },
          { name: 'Batch two', email: uniqueEmail('batch') },
          { name: 'Batch three', email },
        ]), 'UNIQUE_VIOLATION');
        assert.match(error.errors[0].path, /email$/);
        assert.equal(await subscribers().count({ where: { name: { startsWith: 'Batch' } } }), 0);
        assert.equal(await subscribers().count({ where: { email } }), 0);
      });
    });
  }
});
