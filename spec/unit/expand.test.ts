import 'reflect-metadata';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Length } from 'class-validator';
import { Indexed, Ref, Resource } from '../../decorators/index.js';
import { buildModels } from '../../lib/metadata/builder.js';
import { expandViews, parseExpand } from '../../lib/manager/expand.js';
import { isStrataError } from '../../lib/errors/StrataError.js';
import type { ResourceModel } from '../../lib/metadata/model.js';
import type { ResourceView } from '../../lib/metadata/views.js';

/** `expand` paths without I/O: what parseExpand accepts and refuses, and how expandViews batches loads. */
@Resource()
class Org {
  @Indexed() @Length(1, 50) name!: string;
}

@Resource()
class Crew {
  @Indexed() @Length(1, 50) name!: string;
  @Ref(() => Org, { optional: true }) orgId?: string;
}

@Resource()
class Hand {
  @Indexed() @Length(1, 50) name!: string;
  @Ref(() => Crew) crewId!: string;
  @Ref(() => Crew, { optional: true, onDelete: 'setNull' }) formerCrewId?: string;
}

const { models } = buildModels([Org, Crew, Hand]);
const [, crew, hand] = models;

function badQuery(work: () => unknown): string {
  try {
    work();
  } catch (error) {
    assert.ok(isStrataError(error) && error.code === 'BAD_QUERY', String(error));
    return error.message;
  }
  return assert.fail('expected BAD_QUERY');
}

const view = (id: string, data: Record<string, unknown>): ResourceView => ({ id, ...data, _meta: {} as ResourceView['_meta'] });

describe('parseExpand', () => {
  it('reads comma-separated text and lists into a tree of @Ref fields', () => {
    assert.deepEqual(parseExpand(hand, 'crewId,crewId.orgId, formerCrewId', models), { crewId: { orgId: {} }, formerCrewId: {} });
    assert.deepEqual(parseExpand(hand, ['crewId.orgId'], models), { crewId: { orgId: {} } });
    assert.equal(parseExpand(hand, undefined, models), undefined);
    assert.equal(parseExpand(hand, '', models), undefined);
  });

  it('refuses what is not a @Ref, more than three segments, hidden fields and odd shapes, naming the @Ref fields', () => {
    assert.match(badQuery(() => parseExpand(hand, 'name', models)), /the @Ref fields of Hand are crewId, formerCrewId/);
    assert.match(badQuery(() => parseExpand(hand, 'crewId.orgId.name', models)), /Org has no @Ref field/);
    assert.match(badQuery(() => parseExpand(hand, 'crewId.orgId.a.b', models)), /at most 3/);
    assert.match(badQuery(() => parseExpand(hand, 'formerCrewId', models, new Set(['formerCrewId']))), /the @Ref fields of Hand are crewId$/);
    badQuery(() => parseExpand(hand, { crewId: true }, models));
    badQuery(() => parseExpand(hand, [1], models));
    badQuery(() => parseExpand(hand, Array.from({ length: 21 }, (_, index) => `crewId${'.orgId'.repeat(index % 2)}${index}`), models));
  });
});

describe('expandViews', () => {
  it('loads once per target resource and level, and gives every view its own copy', async () => {
    const loads: [string, string[]][] = [];
    const stored: Record<string, Record<string, ResourceView>> = {
      Crew: { c1: view('c1', { name: 'One', orgId: 'o1' }), c2: view('c2', { name: 'Two' }) },
      Org: { o1: view('o1', { name: 'Org' }) },
    };
    const load = async (model: ResourceModel, ids: readonly string[]) => {
      loads.push([model.name, [...ids]]);
      return new Map(ids.filter((id) => stored[model.name][id]).map((id) => [id, stored[model.name][id]]));
    };
    const views = [view('h1', { crewId: 'c1', formerCrewId: 'c2' }), view('h2', { crewId: 'c1' }), view('h3', { crewId: 'gone' })];
    await expandViews(hand, views, parseExpand(hand, 'crewId.orgId,formerCrewId', models)!, models, load);
    assert.deepEqual(loads, [['Crew', ['c1', 'gone', 'c2']], ['Org', ['o1']]]);
    const expanded = views.map((item) => item._expanded as Record<string, any>);
    assert.equal(expanded[0].crewId._expanded.orgId.name, 'Org');
    assert.equal(expanded[0].formerCrewId.name, 'Two');
    assert.equal(expanded[0].formerCrewId._expanded, undefined);
    assert.equal(expanded[1].formerCrewId, null);
    assert.equal(expanded[2].crewId, null);
    assert.notEqual(expanded[0].crewId, expanded[1].crewId);
    assert.equal(stored.Crew.c1._expanded, undefined, 'what load returned is never changed');
    assert.equal(crew.name, 'Crew');
  });
});
