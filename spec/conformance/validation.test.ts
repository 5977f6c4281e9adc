import 'reflect-metadata';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IsEmail, IsInt, IsOptional, Length, Min } from 'class-validator';
import { Indexed, Resource } from '../../lib/index.js';
import { BACKENDS } from '../support/backends.js';
import { errorPaths, expectStrataError, useConformanceApp } from '../support/conformance.js';

@Resource()
class Applicant {
  @Indexed() @Length(1, 100) name!: string;
  @IsEmail() email!: string;
  @Indexed() @IsOptional() @IsInt() @Min(0) age?: number;
  @IsOptional() @Length(0, 20) bio?: string;
}

describe('conformance: validation', () => {
  for (const backend of BACKENDS) {
    describe(backend.name, () => {
      const app = useConformanceApp(backend, { resources: [Applicant] });
      const applicants = () => app.strata.manager(Applicant);
      const valid = { name: 'Valid', email: 'valid@example.com' };
      /** Asserts `body` is refused on create with exactly these error paths, and nothing is stored. */
      const refused = async (body: unknown, paths: string[]) => {
        const before = await applicants().count();
        const error = await expectStrataError(applicants().create(body as Record<string, unknown>), 'VALIDATION_FAILED');
        assert.deepEqual(errorPaths(error), [...paths].sort());
        assert.equal(error.status, 422);
        for (const detail of error.errors) assert.equal(typeof detail.message, 'string');
        assert.equal(await applicants().count(), before);
        return error;
      };

      it('an unknown property is VALIDATION_FAILED', async () => {
        const error = await refused({ ...valid, nickname: 'Val' }, ['nickname']);
        assert.equal(error.errors[0].constraint, 'whitelist');
      });

      it('id or _meta in the body is VALIDATION_FAILED', async () => {
        await refused({ ...valid, id: 'chosen-by-client' }, ['id']);
        await refused({ ...valid, _meta: { revision: 7 } }, ['_meta']);
      });

      it('a value of the wrong type is VALIDATION_FAILED', async () => {
        await refused({ ...valid, age: 'thirty' }, ['age']);
        await refused({ ...valid, age: 3.5 }, ['age']);
        await refused({ ...valid, name: 42 }, ['name']);
        await refused({ ...valid, email: null }, ['email']);
      });

      it('a class-validator rule that fails is VALIDATION_FAILED for that field', async () => {
        const email = await refused({ ...valid, email: 'not-an-email' }, ['email']);
        assert.equal(email.errors[0].constraint, 'isEmail');
        await refused({ ...valid, age: -1 }, ['age']);
        await refused({ ...valid, name: '' }, ['name']);
        await refused({ ...valid, bio: 'x'.repeat(21) }, ['bio']);
      });

      it('a missing required field is VALIDATION_FAILED', async () => {
        await refused({ name: 'No email' }, ['email']);
      });

      it('every problem is reported at once', async () => {
        await refused({ name: '', email: 'nope', age: 'old', extra: true }, ['age', 'email', 'extra', 'name']);
      });

      it('a body that is not an object is VALIDATION_FAILED', async () => {
        await expectStrataError(applicants().create([] as unknown as Record<string, unknown>), 'VALIDATION_FAILED');
        await expectStrataError(applicants().create(null as unknown as Record<string, unknown>), 'VALIDATION_FAILED');
      });

      it('update and patch validate the whole result and write nothing on failure', async () => {
        const created = await applicants().create({ ...valid, age: 20 });
        const update = await expectStrataError(applicants().update(created.id, { name: 'Changed', email: 'bad', unknown: 1 }), 'VALIDATION_FAILED');
        assert.deepEqual(errorPaths(update), ['email', 'unknown']);
        const patch = await expectStrataError(applicants().patch(created.id, { age: -5 }), 'VALIDATION_FAILED');
        assert.deepEqual(errorPaths(patch), ['age']);
        await expectStrataError(applicants().update(created.id, { ...valid, _meta: {} }), 'VALIDATION_FAILED');
        await expectStrataError(applicants().update(created.id, { ...valid, id: 'other' }), 'VALIDATION_FAILED');
        assert.deepEqual(await applicants().get(created.id), created);
      });

      it('createMany is all or nothing: one invalid item stores none', async () => {
        const before = await applicants().count();
        const error = await expectStrataError(applicants().createMany([
          { name: 'Batch 1', email: 'one@example.com' },
          { name: 'Batch 2', email: 'not-an-email' },
          { name: 'Batch 3', email: 'three@example.com' },
        ]), 'VALIDATION_FAILED');
        assert.ok(error.errors.length > 0);
        assert.ok(error.errors.every((detail) => detail.path.startsWith('[1]')), JSON.stringify(error.errors));
        assert.equal(await applicants().count(), before);
        assert.equal(await applicants().count({ where: { name: 'Batch 1' } }), 0);

        const created = await applicants().createMany([
          { name: 'Batch 1', email: 'one@example.com' },
          { name: 'Batch 2', email: 'two@example.com', age: 2 },
        ]);
        assert.deepEqual(created.map((item) => [item.name, item._meta.revision]), [['Batch 1', 1], ['Batch 2', 1]]);
        assert.equal(await applicants().count(), before + 2);
      });
    });
  }
});
