import 'reflect-metadata';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Length } from 'class-validator';
import { Resource } from '../../decorators/index.js';
import { buildModels } from '../../lib/metadata/builder.js';
import { OperationTable } from '../../lib/operations/table.js';
import { hasIdSegment, jsonResult, RESOURCE_OPERATIONS, type OperationDefinition } from '../../lib/plugin-api.js';

@Resource() class Memo { @Length(1, 10) title!: string; }
const [memo] = buildModels([Memo]).models;

const operation = (name: string, path: string, extra: Partial<OperationDefinition> = {}): OperationDefinition => ({
  name, action: 'read', mutates: false, method: 'get', path, summary: () => name,
  result: () => jsonResult(name, {}), problems: [404], invoke: async () => ({}), ...extra,
});

describe('the operation table', () => {
  it('orders routes segment by segment, fixed text before a parameter, so none hides a more specific one', () => {
    const table = new OperationTable();
    table.add(operation('latest', '/:id/revisions/latest'));
    table.add(operation('stats', '/_stats'));
    const paths = table.of(memo).map((definition) => definition.path);
    assert.ok(paths.indexOf('/:id/revisions/latest') < paths.indexOf('/:id/revisions/:n'), paths.join(' '));
    assert.ok(paths.indexOf('/_stats') < paths.indexOf('/:id'), paths.join(' '));
    assert.deepEqual(table.clashes([memo]), []);
  });

  it('replaces a built-in by name and reports clashes and bad descriptions', () => {
    const table = new OperationTable();
    table.add(operation('publish', '/:id/publish', { method: 'post' }));
    assert.equal(table.find(memo, 'publish')!.summary(memo), 'publish');
    table.add(operation('again', '/_count'));
    table.add(operation('weird', '/:id/weird', { result: () => ({ status: 302, kind: 'json', description: 'x' }) as never, problems: [200] }));
    const problems = table.clashes([memo]).join('\n');
    assert.match(problems, /operations count and again of Memo are both GET \/memos\/_count/);
    assert.match(problems, /operation weird of Memo: result must have a kind/);
    assert.match(problems, /operation weird of Memo: problems are 4xx and 5xx statuses; got 200/);
  });

  it('tells the action of a call where a parameter changes it, and which paths act on one resource', () => {
    const byName = new Map(RESOURCE_OPERATIONS.map((definition) => [definition.name, definition]));
    assert.equal(byName.get('delete')!.actionFor!({ purge: true }), 'purge');
    assert.equal(byName.get('delete')!.actionFor!({}), 'delete');
    assert.equal(byName.get('get')!.actionFor!({ revision: 2 }), 'history');
    assert.equal(byName.get('get')!.actionFor!({}), 'read');
    assert.deepEqual(['/:id', '/:id/x', '/:idx', '/_by/:identifier', '/'].map(hasIdSegment), [true, true, false, false, false]);
  });
});
