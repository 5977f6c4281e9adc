import { prefixErrorPaths, StrataError } from '../errors/index.js';
import type { ResourceModel } from '../metadata/model.js';
import type { ResourceView, RevisionEntry } from '../metadata/views.js';
import type { Database } from '../storage/database.js';
import type { BlobStore } from '../storage/blob-store.js';
import { HistoryStore, type HistoryEntry, type StateAt } from '../storage/history-store.js';
import { ResourceStore } from '../storage/resource-store.js';
import type { StoredState } from '../storage/rows.js';
import { compileQuery, compileTests, encodeCursor, jobQueryFields, parseQuery, queryableFields, type Condition, type QueryInput, type QueryLimits } from '../query/index.js';
import { CallAccess, type Where } from './access.js';
import { userId, type CallOptions, type CurrentUser, type WriteOptions } from './context.js';
import type { Change, ChangeRecorder, ChangeType } from './changes.js';
import { contentHash } from './hash.js';
import type { HookContext, HookName, HookRegistry } from './hooks.js';
import { JobOperations } from './job-operations.js';
import { carryJobState, checkImportedJobState, checkSwitchKeepsJobState, initialJobState, jobStateOf, withoutJobState } from './job-state.js';
import { applyPatch, diffDocuments, type PatchFormat } from './patch.js';
import { checkPreconditions } from './preconditions.js';
import { ReferenceGuard } from './references.js';
import { expandedFields, expandViews, parseExpand, type ExpandLoader, type ExpandTree } from './expand.js';
import { findReferrers, isRefusal, type ReferrerIdPage, type ReferrerOptions, type ReferrerSummary } from './referrers.js';
import { etagOf, revisionEtag, toRevisionEntry, toView, upgrade } from './state.js';
import { exportRecords, MAX_REVISION_NUMBER, recordToRows, type ExportRecord } from './transfer.js';
import { decodeRevisionCursor, isStorableId, loadRevisionPages, revisionPage } from './revision-pages.js';
import { validateData } from './validate.js';
import { blobFields, checkBlobsExist, type BlobValue } from './blobs.js';
import { instant, isUndone, MAX_WINDOW_CHANGES, parseRevertWindow, planResource, type PlannedRevert, type RevertPlanEntry } from './window-revert.js';
import { orderForUnique, uniqueConflicts } from './unique-plan.js';

/** Resources one `_bulk` PATCH or DELETE may change: more matches are a 400 asking to narrow `where`. */
const MAX_BULK = 10_000;

/** Ids per `IN (…)` of one search (the query language's own bound on a list). */
const IDS_PER_SEARCH = 500;

/** A page of search results. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
  total?: number;
}

/** A search that may also name references to expand (`expand`, docs/rest.md#references). */
export type ListQuery = QueryInput & { expand?: unknown };

/** What the manager needs from the running app. */
export interface ManagerEnvironment {
  database: Database;
  /** Where `@Blob` bytes are stored (writes check that the blobs they name exist). */
  blobs?: BlobStore;
  hooks: HookRegistry;
  limits: QueryLimits;
  /** The manager of another resource class (for references). */
  managerOf(target: Function): ResourceManager;
  /** Told of every change inside its transaction (plugins add them with `context.recordChanges`). */
  changeRecorders?: readonly ChangeRecorder[];
  models: readonly ResourceModel[];
}

/**
 * Every operation on one resource: REST, GraphQL, jobs and the admin UI all call these, so hooks,
 * validation and revision rules hold whatever the transport. Writes run in one transaction with
 * their hooks: a hook that throws leaves nothing stored.
 */
export class ResourceManager<T extends object = Record<string, unknown>> {
  /** Row-level SQL of this resource. */
  readonly store: ResourceStore;
  /** When each revision was current, and deletes and restores (docs/history.md). */
  readonly history: HistoryStore;
  /** Rerun, cancel and the workers' state changes of a `@Job` resource; undefined for other resources. */
  readonly jobs?: JobOperations;
  private readonly references: ReferenceGuard;
  /** Set on the managers `as(user)` returns: every call runs for this caller and is checked. */
  private readonly caller?: { readonly user: CurrentUser | null };
  private readonly parsedScopes = new WeakMap<Where, Condition | undefined>();

  constructor(readonly model: ResourceModel, private readonly environment: ManagerEnvironment) {
    this.store = new ResourceStore(environment.database, model);
    this.history = new HistoryStore(environment.database, model);
    this.references = new ReferenceGuard(model, environment);
    this.jobs = this.jobOperations();
  }

  /**
   * This manager as `user` (null: an anonymous caller) would use it through a request: every call
   * is recorded as theirs and checked by the permission hooks (`HookContext.checked`), whatever
   * `options.user` says. Calls on `strata.manager(X)` itself run as the system and are not checked.
   */
  as(user: CurrentUser | null): ResourceManager<T> {
    const checked = Object.create(this) as ResourceManager<T>;
    Object.defineProperty(checked, 'caller', { value: Object.freeze({ user }) });
    Object.defineProperty(checked, 'jobs', { value: checked.jobOperations() });
    return checked;
  }

  private jobOperations(): JobOperations | undefined {
    if (!this.model.job) return undefined;
    return new JobOperations(this.model, this.store, {
      write: (operation, input, options, work) => this.write(operation, input, options, work),
      loadLive: (id, access) => this.loadLive(id, access, true),
      writeRevision: (state, data, options, access) => this.writeRevision(state, data, options, access),
    });
  }

  /** Creates a resource: revision 1 (a draft with `draft: true`). */
  create(data: Partial<T> | Record<string, unknown>, options: WriteOptions = {}): Promise<ResourceView> {
    return this.write('create', { data, ...options }, options, async (access) => {
      const validated = await validateData(this.model, access.protectFields(data, undefined, false));
      this.checkDraftAllowed(options);
      await this.references.checkTargetsExist(validated);
      await checkBlobsExist(this.model, validated, this.environment.blobs);
      const now = new Date().toISOString();
      const user = this.actor(options);
      // A job's revisions carry its `_job` state, so each status change shows in the history.
      const stored = this.model.job ? { ...validated, _job: initialJobState(this.model, options.runAt, now) } : validated;
      const state: StoredState = {
        id: this.model.generateId(), revision: 1, revisionCount: 1, status: options.draft ? 'draft' : 'stable',
        hash: contentHash(stored), schemaVersion: this.model.versioning.schemaVersion, version: 1,
        deletedAt: null, deletedBy: null, createdAt: now, createdBy: user, updatedAt: now, updatedBy: user, data: stored,
      };
      await this.guardUnique(() => this.store.insertState(state, validated));
      await this.checkResult(access, state.id);
      await this.store.insertRevision({ id: state.id, n: 1, parent: null, status: state.status, hash: state.hash,
        schemaVersion: state.schemaVersion, data: stored, createdAt: now, createdBy: user });
      return access.maskView(await this.changed('created', state));
    });
  }

  /** Creates many resources in one transaction: all are stored or none. */
  createMany(items: unknown[], options: WriteOptions = {}): Promise<ResourceView[]> {
    return this.write('createMany', { items, ...options }, options, async () => {
      if (!Array.isArray(items)) throw StrataError.validation([{ path: '', message: 'expected an array of resources', constraint: 'isArray' }]);
      const created: ResourceView[] = [];
      for (const [index, item] of items.entries()) {
        try {
          created.push(await this.create(item as Record<string, unknown>, options));
        } catch (error) {
          throw prefixErrorPaths(error, `[${index}]`);
        }
      }
      return created;
    });
  }

  /**
   * What the hooks let this caller do with `operation` (`'list'` by default), found by running them
   * around a call that does nothing (`input.probe` is true, so a hook can tell): the fields hidden
   * from them and the filters limiting what they see. Throws what the hooks throw (UNAUTHORIZED,
   * FORBIDDEN). Feeds (events, subscriptions) use it to show a change as the caller may see it.
   */
  accessFor(operation: HookName = 'list', options: CallOptions = {}): Promise<{ hiddenFields: string[]; visible: (Where | false)[] }> {
    return this.read(operation, { probe: true, ...options }, options, async (access) => ({ hiddenFields: [...access.hidden], visible: [...access.visible] }));
  }

  /**
   * The current state of a resource, revision `revision` of it, or the resource as it was at `asOf`
   * (docs/history.md). `expand` (`'authorId,authorId.teamId'` or a list) puts the referenced
   * resources, in their current state, under `_expanded`.
   */
  get(id: string, options: CallOptions & { revision?: number; asOf?: string; expand?: unknown } = {}): Promise<ResourceView> {
    return this.read('get', { id, ...options }, options, async (access) => {
      const expand = parseExpand(this.model, options.expand, this.environment.models, access.hidden);
      if (options.asOf !== undefined) return this.expanded([access.maskView(await this.viewAsOf(id, options, access))], expand, options).then(([view]) => view);
      const state = await this.loadLive(id, access);
      if (options.revision === undefined) return this.expanded([access.maskView(toView(this.model, state))], expand, options).then(([view]) => view);
      const revision = await this.loadRevision(id, options.revision);
      const view = toView(this.model, { ...state, revision: revision.n, status: revision.status, hash: revision.hash,
        schemaVersion: revision.schemaVersion, data: revision.data });
      view._meta.etag = revision.n === state.revision ? etagOf(state) : revisionEtag(revision);
      return this.expanded([access.maskView(view)], expand, options).then(([masked]) => masked);
    });
  }

  /**
   * Searches resources (docs/search.md), or searches them as they were at `query.asOf`
   * (docs/history.md). `query.expand` puts referenced resources under `_expanded` (one query per
   * referenced resource, whatever the page size; see `expandViews`).
   */
  list(query: ListQuery & { asOf?: unknown } = {}, options: CallOptions = {}): Promise<Page<ResourceView>> {
    return this.read('list', { query, ...options }, options, async (access) => {
      // Anything but an object (a `_search` body of null …) is left for parseQuery to refuse.
      const object = typeof query === 'object' && query !== null && !Array.isArray(query);
      const { expand: expandInput, asOf, ...rest } = object ? query : {};
      const search: QueryInput = object ? rest : query;
      const expand = parseExpand(this.model, expandInput, this.environment.models, access.hidden);
      if (asOf !== undefined && search.q !== undefined) throw StrataError.badQuery('q cannot be combined with asOf: the full-text index holds only the current state');
      // As of a moment, `_job.*` columns hold only the current state, so they cannot be filtered on.
      const parsed = parseQuery(this.model, search, this.environment.limits, asOf === undefined ? jobQueryFields(this.model) : undefined, access.hidden);
      const compiled = asOf === undefined
        ? compileQuery(this.model, parsed, this.environment.database.dialect, this.scope(access.visible))
        : compileQuery(this.model, parsed, this.environment.database.dialect, undefined, { source: this.asOfSource(instant(asOf, 'asOf', 'BAD_QUERY'), access) });
      const rows = await this.store.search(compiled.select.sql, compiled.select.params);
      const pageRows = rows.slice(0, parsed.limit);
      // An expanded reference is returned with its value even when `fields` leaves it out.
      const fields = parsed.fields && expand ? [...new Set([...parsed.fields, ...expandedFields(expand)])] : parsed.fields;
      const page: Page<ResourceView> = {
        items: await this.expanded(pageRows.map((row) => access.maskView(toView(this.model, this.store.stateFromRow(row), fields))), expand, options),
        nextCursor: rows.length > parsed.limit && pageRows.length > 0 ? encodeCursor(parsed, pageRows[pageRows.length - 1]) : null,
      };
      if (compiled.count) page.total = await this.countRows(compiled.count.sql, compiled.count.params);
      return page;
    });
  }

  /**
   * The live resources among `ids` that the caller may list, by id, masked as in a list: one
   * checked search (`list` hooks, `where: { id: { in: ids } }`) in one query per 500 ids. Missing,
   * deleted and out-of-scope ids are absent. Expansions and GraphQL relation fields read targets this way.
   */
  async findMany(ids: readonly string[], options: CallOptions = {}): Promise<Map<string, ResourceView>> {
    const wanted = [...new Set(ids.filter(isStorableId))];
    if (wanted.length === 0) return new Map();
    const page = await this.read('list', { query: { where: { id: { in: wanted } } }, ...options }, options, async (access): Promise<Page<ResourceView>> => {
      const items: ResourceView[] = [];
      const scope = this.scope(access.visible);
      for (let start = 0; start < wanted.length; start += IDS_PER_SEARCH) {
        const chunk = wanted.slice(start, start + IDS_PER_SEARCH);
        // Ordered by id, so the database looks the ids up in the primary key and sorts nothing.
        const parsed = parseQuery(this.model, { where: { id: { in: chunk } }, sort: 'id', limit: chunk.length }, { defaultLimit: chunk.length, maxLimit: IDS_PER_SEARCH }, jobQueryFields(this.model));
        const compiled = compileQuery(this.model, parsed, this.environment.database.dialect, scope);
        for (const row of await this.store.search(compiled.select.sql, compiled.select.params)) items.push(access.maskView(toView(this.model, this.store.stateFromRow(row))));
      }
      return { items, nextCursor: null };
    });
    return new Map(page.items.map((view) => [view.id, view]));
  }

  /**
   * For each of `targetIds`, the page `list` returns for `query` narrowed to resources whose `@Ref`
   * field `field` names that id (`where`, `sort`, `limit`, `offset`, `cursor`; its `nextCursor` pages
   * on with the same query), read in one query per 500 ids however many there are: the GraphQL page
   * fields of referrers (`author { articles { … } } }`). One checked `list` call; a field hidden
   * from the caller gives empty pages.
   */
  listByReference(field: string, targetIds: readonly string[], query: QueryInput = {}, options: CallOptions = {}): Promise<Map<string, Page<ResourceView>>> {
    return this.read('list', { query, reference: { field, ids: targetIds }, ...options }, options, async (access) => {
      const reference = this.model.fieldsByName.get(field);
      if (!reference?.ref) throw StrataError.badQuery(`${field} is not a @Ref field of ${this.model.name}`);
      const parsed = parseQuery(this.model, query, this.environment.limits, jobQueryFields(this.model), access.hidden);
      const pages = new Map<string, Page<ResourceView>>(targetIds.map((id) => [id, { items: [], nextCursor: null }]));
      const visible = this.scope(access.visible);
      const wanted = [...new Set(targetIds.filter(isStorableId))];
      if (visible === false || access.hidden.has(field) || wanted.length === 0) return pages;
      const column = queryableFields(this.model).get(field)!;
      for (let start = 0; start < wanted.length; start += IDS_PER_SEARCH) {
        const chunk = wanted.slice(start, start + IDS_PER_SEARCH);
        const scope: Condition = { kind: 'and', conditions: [...(visible ? [visible] : []), { kind: 'field', field: column, operator: 'in', value: chunk }] };
        const compiled = compileQuery(this.model, parsed, this.environment.database.dialect, scope, { partition: column });
        const rows = await this.store.search(compiled.select.sql, compiled.select.params);
        const rowsByTarget = new Map<string, typeof rows>();
        for (const row of rows) {
          const target = String(row[column.column]);
          const group = rowsByTarget.get(target);
          if (group) group.push(row);
          else rowsByTarget.set(target, [row]);
        }
        for (const [id, targetRows] of rowsByTarget) {
          const pageRows = targetRows.slice(0, parsed.limit);
          pages.set(id, {
            items: pageRows.map((row) => access.maskView(toView(this.model, this.store.stateFromRow(row), parsed.fields))),
            nextCursor: targetRows.length > parsed.limit && pageRows.length > 0 ? encodeCursor(parsed, pageRows[pageRows.length - 1]) : null,
          });
        }
      }
      return pages;
    });
  }

  /**
   * What refers to resource `id` (docs/rest.md#references): per referring resource and `@Ref` field,
   * the count and the first ids; with `resource` and `field`, a page of all their ids. Needs `read`
   * of `id`; each referring resource is counted and listed as the caller may list it.
   */
  async referrers(id: string, options: ReferrerOptions = {}): Promise<ReferrerSummary | ReferrerIdPage> {
    await this.get(id, { user: options.user });
    return findReferrers(this.model, id, this.environment.models, (model) => this.related(model), options);
  }

  /** Counts the resources matching `where` (and `deleted`, `q`). */
  count(query: Pick<QueryInput, 'where' | 'filter' | 'q' | 'deleted'> = {}, options: CallOptions = {}): Promise<number> {
    return this.read('count', { query, ...options }, options, async (access) => {
      const parsed = parseQuery(this.model, { ...query, total: true, limit: 0 }, this.environment.limits, jobQueryFields(this.model), access.hidden);
      const compiled = compileQuery(this.model, parsed, this.environment.database.dialect, this.scope(access.visible));
      return this.countRows(compiled.count!.sql, compiled.count!.params);
    });
  }

  /** Replaces the data: revision n+1 whose parent is the current revision (or changes the current draft). */
  update(id: string, data: Partial<T> | Record<string, unknown>, options: WriteOptions = {}): Promise<ResourceView> {
    return this.write('update', { id, data, ...options }, options, async (access) => {
      const state = await this.loadLive(id, access, true);
      checkPreconditions(state, options);
      const given = access.protectFields(data, withoutJobState(upgrade(this.model, state.data, state.schemaVersion)), true);
      return this.writeRevision(state, carryJobState(state.data, await validateData(this.model, given)), options, access);
    });
  }

  /** Applies an RFC 6902 JSON Patch or RFC 7396 merge patch atomically, then writes like `update`. */
  patch(id: string, patch: unknown, options: WriteOptions & { format?: PatchFormat } = {}): Promise<ResourceView> {
    return this.write('patch', { id, patch, ...options }, options, async (access) => {
      const state = await this.loadLive(id, access, true);
      checkPreconditions(state, options);
      const current = withoutJobState(upgrade(this.model, state.data, state.schemaVersion));
      // The patch sees the document as the caller does; fields hidden from them keep their values.
      const patched = access.protectFields(applyPatch(access.maskData(current), patch, options.format ?? 'merge-patch'), current, false);
      return this.writeRevision(state, carryJobState(state.data, await validateData(this.model, patched)), options, access);
    });
  }

  /** Soft delete: the resource leaves reads and search, keeps its history and frees its unique values. */
  delete(id: string, options: WriteOptions = {}): Promise<void> {
    return this.write('delete', { id, ...options }, options, async (access) => {
      const state = await this.loadLive(id, access, true);
      checkPreconditions(state, options);
      await this.softDelete(state, options, access);
    });
  }

  private async softDelete(state: StoredState, options: CallOptions, access: CallAccess): Promise<void> {
    const now = new Date().toISOString();
    const user = this.actor(options);
    const deleted: StoredState = { ...state, deletedAt: now, deletedBy: user, updatedAt: now, updatedBy: user, version: state.version + 1 };
    await this.saveState(state, deleted, access);
    await this.changed('deleted', deleted);
    // After the delete is saved, so a reference cycle (or a resource pointing at itself) ends here
    // instead of cascading forever; a restrict rule that throws still rolls the whole delete back.
    await this.references.onTargetDeleted(state.id, options);
  }

  /** Undoes a soft delete; restoring a live resource changes nothing. */
  restore(id: string, options: WriteOptions = {}): Promise<ResourceView> {
    return this.write('restore', { id, ...options }, options, async (access) => {
      const state = await this.loadExisting(id, access, true);
      checkPreconditions(state, options);
      if (state.deletedAt === null) return access.maskView(toView(this.model, state));
      const restored = await this.undelete(state, options, access);
      return access.maskView(toView(this.model, restored));
    });
  }

  private async undelete(state: StoredState, options: CallOptions, access: CallAccess): Promise<StoredState> {
    const now = new Date().toISOString();
    const restored: StoredState = { ...state, deletedAt: null, deletedBy: null, updatedAt: now, updatedBy: this.actor(options), version: state.version + 1 };
    await this.saveState(state, restored, access);
    // After saving, so a resource that points at itself finds its target live; a failure rolls back.
    await this.references.checkTargetsExist(upgrade(this.model, state.data, state.schemaVersion));
    await this.changed('restored', restored);
    return restored;
  }

  /** Deletes a resource and all its revisions for good. */
  purge(id: string, options: WriteOptions = {}): Promise<void> {
    return this.write('purge', { id, ...options }, options, async (access) => {
      const state = await this.loadExisting(id, access, true);
      checkPreconditions(state, options);
      if (state.deletedAt === null) await this.references.onTargetDeleted(id, options);
      await this.store.purge(id);
      await this.history.purge(id);
      await this.changed('purged', state, { by: this.actor(options), gone: true });
    });
  }

  /** The revision list of a resource, oldest first, paged by `cursor`. */
  revisions(id: string, options: CallOptions & { limit?: number; cursor?: string } = {}): Promise<Page<RevisionEntry>> {
    return this.read('revisions', { id, ...options }, options, async (access) => {
      await this.loadLive(id, access);
      const limit = this.pageLimit(options.limit);
      const after = options.cursor === undefined ? 0 : decodeRevisionCursor(options.cursor);
      return revisionPage(this.model, await this.store.listRevisions(id, after, limit + 1), limit);
    });
  }

  /**
   * The revision lists of many resources: for each of `ids`, in order, the page `revisions(id, options)`
   * returns (fulfilled) or the error it throws (rejected). The `revisions` hooks run once per id, as
   * for separate calls, but the database is read in two queries (per 500 ids) however many ids
   * there are, so a GraphQL list can show each item's revisions without one query per row.
   */
  revisionsOfMany(ids: readonly string[], options: CallOptions & { limit?: number; cursor?: string } = {}): Promise<PromiseSettledResult<Page<RevisionEntry>>[]> {
    let pages: Promise<Map<string, Page<RevisionEntry> | StrataError>> | undefined;
    // Loaded by the first id whose hooks let it through, for every id at once.
    const loadPages = () => (pages ??= loadRevisionPages(this.model, this.store, ids, this.pageLimit(options.limit),
      options.cursor === undefined ? 0 : decodeRevisionCursor(options.cursor)));
    // The scopes of the callers' hooks, tested for every id at once too (one query per distinct scope).
    const tested = new Map<string, Promise<Map<string, boolean[]>>>();
    return Promise.allSettled(ids.map((id) => this.read('revisions', { id, ...options }, options, async (access) => {
      const tests = this.accessTests(access);
      if (tests.length > 0) {
        const key = JSON.stringify([access.visible, access.allowed]);
        if (!tested.has(key)) tested.set(key, this.store.testStates(ids, compileTests(tests, this.environment.database.dialect)));
        const results = (await tested.get(key)!).get(id);
        if (results) this.refuseOutOfScope(access, id, results);
      }
      const page = (await loadPages()).get(id)!;
      if (page instanceof StrataError) throw page;
      return page;
    })));
  }

  /** One revision with its data. */
  revision(id: string, n: number, options: CallOptions = {}): Promise<RevisionEntry> {
    return this.read('revision', { id, n, ...options }, options, async (access) => {
      await this.loadLive(id, access);
      return access.maskRevision(toRevisionEntry(this.model, await this.loadRevision(id, n), true));
    });
  }

  /** The RFC 6902 JSON Patch that turns revision `from` into revision `to`. */
  diff(id: string, from: number, to: number, options: CallOptions = {}): Promise<ReturnType<typeof diffDocuments>> {
    return this.read('diff', { id, from, to, ...options }, options, async (access) => {
      await this.loadLive(id, access);
      const [before, after] = [await this.loadRevision(id, from), await this.loadRevision(id, to)];
      return access.maskDiff(diffDocuments(upgrade(this.model, before.data, before.schemaVersion), upgrade(this.model, after.data, after.schemaVersion)));
    });
  }

  /** Makes revision `n` current without creating one; the next write branches from it. */
  switch(id: string, n: number, options: WriteOptions = {}): Promise<ResourceView> {
    return this.write('switch', { id, n, ...options }, options, async (access) => {
      const state = await this.loadLive(id, access, true);
      checkPreconditions(state, options);
      if (n === state.revision) return access.maskView(toView(this.model, state));
      const revision = await this.loadRevision(id, n);
      checkSwitchKeepsJobState(this.model, id, n, state.data, revision.data);
      const switched: StoredState = {
        ...state, revision: n, status: revision.status, hash: revision.hash, schemaVersion: revision.schemaVersion,
        data: revision.data, updatedAt: new Date().toISOString(), updatedBy: this.actor(options), version: state.version + 1,
      };
      await this.references.checkTargetsExist(upgrade(this.model, revision.data, revision.schemaVersion));
      await this.saveState(state, switched, access);
      return access.maskView(await this.changed('switched', switched));
    });
  }

  /** Makes the current draft stable. */
  publish(id: string, options: WriteOptions = {}): Promise<ResourceView> {
    return this.write('publish', { id, ...options }, options, async (access) => {
      const state = await this.loadLive(id, access, true);
      checkPreconditions(state, options);
      if (state.status !== 'draft') throw StrataError.conflict(`${this.model.name} ${id} has no draft to publish: revision ${state.revision} is stable`);
      await this.store.publishRevision(id, state.revision);
      const published: StoredState = { ...state, status: 'stable', updatedAt: new Date().toISOString(), updatedBy: this.actor(options), version: state.version + 1 };
      await this.saveState(state, published, access);
      return access.maskView(await this.changed('published', published));
    });
  }

  /** Writes a new revision whose data equals revision `n` (history stays linear, unlike `switch`); nothing when it is equal already. */
  revert(id: string, n: number, options: WriteOptions = {}): Promise<ResourceView> {
    return this.write('revert', { id, n, ...options }, options, async (access) => {
      const state = await this.loadLive(id, access, true);
      checkPreconditions(state, options);
      const revision = await this.loadRevision(id, n);
      const current = withoutJobState(upgrade(this.model, state.data, state.schemaVersion));
      const data = access.protectFields(withoutJobState(upgrade(this.model, revision.data, revision.schemaVersion)), current, true);
      return this.writeRevision(state, carryJobState(state.data, data), options, access, 'reverted');
    });
  }

  /**
   * Undoes the changes made in a window of time (docs/history.md): `{ since, until?, by?, where?,
   * dryRun? }`. Plans every resource first, then, unless `dryRun`, writes the plan in this one
   * transaction, each resource through the `revert` hooks. A unique value the plan would take twice
   * fails it whole with UNIQUE_VIOLATION naming the ids.
   */
  revertWindow(input: unknown, options: CallOptions = {}): Promise<{ plan: RevertPlanEntry[] }> {
    return this.write('revertWindow', { window: input, ...options }, options, async (access) => {
      const window = parseRevertWindow(input);
      const changes = await this.history.changesBetween(window.since, window.until, MAX_WINDOW_CHANGES + 1);
      if (changes.length > MAX_WINDOW_CHANGES) throw StrataError.badRequest(`the window holds more than ${MAX_WINDOW_CHANGES} changes; narrow it with until, by or where`);
      const ids = await this.idsPassing([...new Set(changes.filter((change) => isUndone(change, window)).map((change) => change.id))], window.where, access);
      const later = await this.history.changesOfSince(ids, window.since);
      const planned: PlannedRevert[] = [];
      // The current data of each planned resource, for ordering the writes around unique values.
      const current = new Map<string, Record<string, unknown>>();
      for (const id of ids) {
        const state = await this.store.findState(id, true);
        if (!state) continue;
        const revisions = new Map<number, Record<string, unknown>>();
        // The data of a change's revision (read once per revision), as the model reads it now.
        const dataOf = async (source: HistoryEntry | StateAt) => {
          const n = 'entry' in source ? source.entry.revision : source.revision;
          if (!revisions.has(n)) {
            const revision = ('entry' in source ? source.revision : undefined) ?? await this.store.findRevision(id, n);
            if (!revision) throw StrataError.conflict(`revision ${n} of ${this.model.name} ${id} was pruned (@Versioned retain), so this window cannot be reverted`);
            revisions.set(n, withoutJobState(upgrade(this.model, revision.data, revision.schemaVersion)));
          }
          return revisions.get(n)!;
        };
        const currentData = withoutJobState(upgrade(this.model, state.data, state.schemaVersion));
        const plan = await planResource(await this.history.stateAt(id, window.since, false), later.get(id) ?? [], (change) => isUndone(change, window), state, currentData, dataOf);
        if (!plan) continue;
        planned.push(plan);
        current.set(id, currentData);
      }
      const conflicts = await uniqueConflicts(this.model, this.store, planned);
      if (conflicts.length > 0) {
        throw new StrataError('UNIQUE_VIOLATION', `reverting would give ${conflicts.map((conflict) => `${conflict.field} of ${conflict.ids.join(', ')}`).join('; ')} a value taken twice; nothing was written`,
          conflicts.map((conflict) => ({ path: conflict.field, message: `${conflict.field} must be unique: ${conflict.ids.join(', ')}`, constraint: 'unique' })));
      }
      const plan = planned.map(({ entry }) => ({ ...entry, diff: access.maskDiff(entry.diff) }));
      if (window.dryRun) return { plan };
      for (const step of orderForUnique(this.model, planned, current)) await this.applyRevert(step, options);
      return { plan };
    });
  }

  /** One step of a window revert, through the `revert` hooks of its resource. */
  private applyRevert(step: PlannedRevert, options: CallOptions): Promise<void> {
    const { id, to, action } = step.entry;
    return this.write('revert', { id, n: to, action, ...options }, options, async (access) => {
      let state = await this.loadExisting(id, access, true);
      if (action === 'delete') return this.softDelete(state, options, access);
      if (action === 'restore') state = await this.undelete(state, options, access);
      const current = withoutJobState(upgrade(this.model, state.data, state.schemaVersion));
      await this.writeRevision(state, carryJobState(state.data, access.protectFields(step.data!, current, true)), { user: options.user }, access, 'reverted');
    });
  }

  /** Patches every resource matching `where` in one transaction, one revision each, each through the `patch` hooks. */
  patchMany(where: unknown, patch: unknown, options: WriteOptions & { format?: PatchFormat } = {}): Promise<{ count: number; ids: string[] }> {
    return this.write('patchMany', { where, patch, ...options }, options, async (access) => {
      const ids = await this.idsMatching(where, access);
      const each = { user: options.user, ...(options.draft ? { draft: true } : {}), format: options.format ?? 'merge-patch' as const };
      for (const id of ids) {
        try {
          await this.patch(id, patch, each);
        } catch (error) {
          throw prefixErrorPaths(error, `[${id}]`);
        }
      }
      return { count: ids.length, ids };
    });
  }

  /** Soft-deletes every resource matching `where` in one transaction, each through the `delete` hooks. */
  deleteMany(where: unknown, options: CallOptions = {}): Promise<{ count: number; ids: string[] }> {
    return this.write('deleteMany', { where, ...options }, options, async (access) => {
      const ids = await this.idsMatching(where, access);
      for (const id of ids) await this.delete(id, { user: options.user });
      return { count: ids.length, ids };
    });
  }

  /** The live resources matching `where` that the call sees, in creation order; a missing `where` or too many matches is a 400. */
  private async idsMatching(where: unknown, access: CallAccess): Promise<string[]> {
    if (where === undefined || where === null) throw StrataError.badRequest('where is required: a filter of the resources to change (an explicit {} matches every resource)');
    const parsed = parseQuery(this.model, { where }, this.environment.limits, jobQueryFields(this.model), access.hidden);
    const compiled = compileQuery(this.model, { ...parsed, limit: MAX_BULK, offset: 0 }, this.environment.database.dialect, this.scope(access.visible));
    const rows = await this.store.search(compiled.select.sql, compiled.select.params);
    if (rows.length > MAX_BULK) throw StrataError.badRequest(`where matches more than ${MAX_BULK} resources; narrow it and repeat`);
    return rows.map((row) => String(row.id));
  }

  /** Those of `ids` whose current state matches `where` and the call's visible scope (all of them when there is neither). */
  private async idsPassing(ids: string[], where: Where | undefined, access: CallAccess): Promise<string[]> {
    const conditions: (Condition | false)[] = [];
    const visible = this.scope(access.visible);
    if (visible !== undefined) conditions.push(visible);
    if (where !== undefined) {
      const parsed = parseQuery(this.model, { where }, this.environment.limits, jobQueryFields(this.model), access.hidden).where;
      if (parsed) conditions.push(parsed);
    }
    if (conditions.length === 0 || ids.length === 0) return ids;
    const results = await this.store.testStates(ids, compileTests(conditions, this.environment.database.dialect));
    return ids.filter((id) => results.get(id)?.every(Boolean));
  }

  /** The resource as it was at `options.asOf`: 404 before it existed, 410 while it was deleted then. */
  private async viewAsOf(id: string, options: { revision?: number; asOf?: string }, access: CallAccess): Promise<ResourceView> {
    if (options.revision !== undefined) throw StrataError.badRequest('asOf and revision cannot be combined; ask for one of them');
    const at = instant(options.asOf, 'asOf');
    const state = await this.loadExisting(id, access);
    const past = await this.history.stateAt(id, at, true);
    if (!past) throw new StrataError('NOT_FOUND', `${this.model.name} ${id} did not exist at ${at}`);
    if (past.entry.deleted) throw new StrataError('GONE', `${this.model.name} ${id} was deleted at ${at}`);
    if (!past.revision) throw new StrataError('NOT_FOUND', `revision ${past.entry.revision} of ${this.model.name} ${id}, current at ${at}, was pruned (@Versioned retain)`);
    const { entry, revision } = past;
    const view = toView(this.model, { ...state, revision: entry.revision, revisionCount: entry.revisionCount, status: entry.status, hash: revision.hash,
      schemaVersion: revision.schemaVersion, data: revision.data, deletedAt: null, deletedBy: null, updatedAt: entry.at, updatedBy: entry.by, version: entry.version });
    view._meta.etag = revisionEtag(revision);
    return view;
  }

  /** The as-of derived table a search reads instead of the current-state table, limited to what the call sees now. */
  private asOfSource(at: string, access: CallAccess) {
    const visible = this.scope(access.visible);
    if (visible === undefined) return this.history.asOfSource(at);
    const tests = compileTests([visible], this.environment.database.dialect);
    return this.history.asOfSource(at, { sql: tests.expressions[0], params: tests.params });
  }

  /**
   * The blob in `field` of a resource (its current revision, or `revision`), read like `get` (the
   * same hooks and permissions, so a masked field has no blob): NOT_FOUND when the field is not a
   * `@Blob()` field or holds none. Stream the bytes with `blobs.open(value.hash)`.
   */
  async blob(id: string, field: string, options: CallOptions & { revision?: number } = {}): Promise<BlobValue> {
    if (!blobFields(this.model).includes(field)) throw new StrataError('NOT_FOUND', `${this.model.name} has no @Blob() field ${field}`);
    const view = await this.get(id, options) as Record<string, unknown>;
    const value = view[field] as BlobValue | undefined | null;
    if (!value) throw new StrataError('NOT_FOUND', `${this.model.name} ${id} has no ${field}${options.revision === undefined ? '' : ` in revision ${options.revision}`}`);
    return value;
  }

  /** The bytes of a stored blob (all of them, or `start` to `end` included); read its descriptor with `blob()` first. */
  openBlob(hash: string, range?: { start: number; end: number }): import('node:stream').Readable {
    if (!this.environment.blobs) throw new StrataError('NOT_FOUND', 'no blob store is configured');
    return this.environment.blobs.open(hash, range);
  }

  /** Every resource (deleted ones too) with its full history, for `_export`. */
  exportRecords(options: CallOptions = {}): AsyncGenerator<ExportRecord> {
    let records: AsyncGenerator<ExportRecord> | undefined;
    // The export hook wraps reading the first record, so a hook can refuse before anything is sent.
    const first = () => this.read('export', { ...options }, options, (access) => {
      const visible = this.scope(access.visible);
      records = exportRecords(this.store, {
        visible: visible === undefined ? undefined : async (ids) => {
          const results = await this.store.testStates(ids, compileTests([visible], this.environment.database.dialect));
          return new Set(ids.filter((id) => results.get(id)?.[0]));
        },
        mask: (data) => access.maskData(data),
      });
      return records.next();
    });
    return (async function* () {
      const head = await first();
      if (head.done) return;
      yield head.value;
      yield* records!;
    })();
  }

  /**
   * Imports `_export` records with their history in one transaction; an id that exists already is a
   * CONFLICT. `lines` are the records' line numbers for error messages (default 1, 2, 3 …).
   */
  importRecords(records: unknown[], options: CallOptions & { lines?: readonly number[] } = {}): Promise<string[]> {
    return this.write('import', { records, ...options }, options, async (access) => {
      const ids: string[] = [];
      for (const [index, record] of records.entries()) {
        const line = (options.lines?.[index] ?? index + 1) - 1;
        const { state, revisions, indexData } = recordToRows(this.model, record, line + 1);
        try {
          await validateData(this.model, withoutJobState(indexData)); // the current data must fit today's model
          checkImportedJobState(this.model, indexData, line + 1);
          await this.references.checkTargetsExist(indexData);
        } catch (error) {
          throw prefixErrorPaths(error, `[${line + 1}]`);
        }
        if (await this.store.findState(state.id)) throw StrataError.conflict(`line ${line + 1}: ${this.model.name} ${state.id} exists already`);
        await this.guardUnique(() => this.store.insertState(state, indexData));
        await this.checkResult(access, state.id);
        for (const revision of revisions) await this.store.insertRevision(revision);
        await this.history.recordImported(state, revisions);
        await this.changed('created', state, { imported: true });
        ids.push(state.id);
      }
      return ids;
    });
  }

  /** Writes `data` as the next revision of `state`, or changes the current draft; identical data writes nothing. */
  private async writeRevision(state: StoredState, data: Record<string, unknown>, options: WriteOptions, access: CallAccess, type?: ChangeType): Promise<ResourceView> {
    this.checkDraftAllowed(options);
    const hash = contentHash(data);
    if (hash === state.hash && state.schemaVersion === this.model.versioning.schemaVersion) return access.maskView(toView(this.model, state));
    await this.references.checkTargetsExist(data);
    await checkBlobsExist(this.model, data, this.environment.blobs);
    const now = new Date().toISOString();
    const user = this.actor(options);
    const schemaVersion = this.model.versioning.schemaVersion;
    const inPlace = Boolean(options.draft) && state.status === 'draft';
    const n = inPlace ? state.revision : state.revisionCount + 1;
    const revision = { id: state.id, n, parent: state.revision, status: options.draft ? 'draft' as const : 'stable' as const,
      hash, schemaVersion, data, createdAt: now, createdBy: user };
    if (inPlace) await this.store.updateDraft(revision); // keeps the draft's own parent
    else await this.store.insertRevision(revision);
    const next: StoredState = { ...state, revision: n, revisionCount: Math.max(n, state.revisionCount), status: revision.status, hash,
      schemaVersion, data, updatedAt: now, updatedBy: user, version: state.version + 1 };
    await this.saveState(state, next, access);
    const retain = this.model.versioning.retain;
    if (retain !== undefined && !inPlace && n > retain) await this.store.pruneRevisions(state.id, n - retain, n);
    // A job's status change is `job.<status>`; any other new revision (a job's own data too) is `updated`.
    const status = this.model.job ? jobStateOf(data)?.status : undefined;
    return access.maskView(await this.changed(type ?? (status !== undefined && status !== jobStateOf(state.data)?.status ? `job.${status}` : 'updated'), next));
  }

  /**
   * Tells the change recorders about a stored change (inside its transaction) and returns the
   * resource as it is now. `gone`: purged, so there is no resource to show.
   */
  private async changed(type: ChangeType, state: StoredState, options: { by?: string | null; gone?: boolean; imported?: boolean } = {}): Promise<ResourceView> {
    if (!options.gone && !options.imported) await this.history.record(state, type);
    const view = toView(this.model, state);
    const recorders = this.environment.changeRecorders ?? [];
    if (recorders.length === 0) return view;
    const change: Change = {
      type, model: this.model, id: state.id, revision: options.gone ? null : state.revision,
      at: options.gone ? new Date().toISOString() : state.updatedAt, by: options.by !== undefined ? options.by : state.updatedBy,
      data: options.gone ? null : view,
    };
    for (const record of recorders) await record(change);
    return view;
  }

  /** Replaces the current-state row, mapping a lost race to CONFLICT and unique violations to UNIQUE_VIOLATION. */
  private async saveState(previous: StoredState, next: StoredState, access: CallAccess): Promise<void> {
    const indexData = upgrade(this.model, next.data, next.schemaVersion);
    const saved = await this.guardUnique(() => this.store.updateState(next, indexData, previous.version));
    if (!saved) throw StrataError.conflict(`${this.model.name} ${previous.id} was changed by another request; read it again and retry`);
    await this.checkResult(access, next.id);
  }

  /** A scope filter parsed, once per filter object (a policy's static filter is the same object on every call). */
  private parseScope(where: Where): Condition | undefined {
    if (this.parsedScopes.has(where)) return this.parsedScopes.get(where);
    const condition = parseQuery(this.model, { where }, this.environment.limits, jobQueryFields(this.model)).where;
    this.parsedScopes.set(where, condition);
    return condition;
  }

  /** After a write, inside its transaction: the resource as stored now must still be one the caller may act on. */
  private async checkResult(access: CallAccess, id: string): Promise<void> {
    const allowed = this.scope(access.allowed);
    if (allowed === undefined) return;
    const tested = await this.store.findState(id, false, compileTests([allowed], this.environment.database.dialect));
    if (!tested?.tests[0]) throw StrataError.forbidden(`this change would put ${this.model.name} ${id} outside what you may change`);
  }

  /**
   * The filters of `access.visible` or `access.allowed` as one condition (`false` when one of them
   * admits nothing), or undefined when there is none. Policies' filters are the app's code, so a
   * bad one is a server error, not the caller's.
   */
  private scope(filters: readonly (Where | false)[]): Condition | false | undefined {
    if (filters.length === 0) return undefined;
    if (filters.includes(false)) return false;
    try {
      const conditions = filters.map((where) => this.parseScope(where as Where)).filter((condition): condition is Condition => condition !== undefined);
      return conditions.length === 1 ? conditions[0] : { kind: 'and', conditions };
    } catch (error) {
      throw new StrataError('INTERNAL', `a scope of ${this.model.name} is not a valid filter: ${(error as Error).message}`);
    }
  }

  /** The manager of another resource, checked as this one's caller when this one is checked. */
  private related(model: ResourceModel): ResourceManager {
    const manager = this.environment.managerOf(model.target);
    return this.caller ? manager.as(this.caller.user) : manager;
  }

  /** `views` with their references expanded as `expand` says (as they are when there is nothing to expand). */
  private async expanded(views: ResourceView[], expand: ExpandTree | undefined, options: CallOptions): Promise<ResourceView[]> {
    if (!expand) return views;
    // Read as this call's caller; a resource they may not list at all expands to null, like one out of their scope.
    const load: ExpandLoader = async (model, ids) => {
      try {
        return await this.related(model).findMany(ids, { user: options.user });
      } catch (error) {
        if (isRefusal(error)) return new Map();
        throw error;
      }
    };
    await expandViews(this.model, views, expand, this.environment.models, load);
    return views;
  }

  private async guardUnique<R>(work: () => Promise<R>): Promise<R> {
    try {
      return await work();
    } catch (error) {
      const column = this.environment.database.dialect.uniqueViolation(error, this.model.names.table);
      const field = column && this.model.indexedFields.find((candidate) => candidate.column === column);
      if (field) throw StrataError.unique(this.model.name, field.name);
      throw error;
    }
  }

  /**
   * The current state of `id` (deleted or not) as the caller may see it: NOT_FOUND when it does not
   * exist or is outside `access.visible`, FORBIDDEN when it is outside `access.allowed`. Both are
   * tested in the query that reads the row, so a check costs no extra round trip.
   */
  private async loadExisting(id: string, access: CallAccess, forUpdate = false): Promise<StoredState> {
    const tests = this.accessTests(access);
    const found = isStorableId(id) ? await this.store.findState(id, forUpdate, compileTests(tests, this.environment.database.dialect)) : undefined;
    if (!found) throw StrataError.notFound(this.model.name, String(id));
    this.refuseOutOfScope(access, id, found.tests);
    return found.state;
  }

  /** The conditions to test on a resource for `access`: its visible filter, then its allowed filter (each when set). */
  private accessTests(access: CallAccess): (Condition | false)[] {
    return [this.scope(access.visible), this.scope(access.allowed)].filter((condition): condition is Condition | false => condition !== undefined);
  }

  /** Throws NOT_FOUND or FORBIDDEN unless `results` (of `accessTests(access)`, in order) all hold. */
  private refuseOutOfScope(access: CallAccess, id: string, results: readonly boolean[]): void {
    if (access.visible.length > 0 && !results[0]) throw StrataError.notFound(this.model.name, id);
    if (access.allowed.length > 0 && !results[results.length - 1]) throw StrataError.forbidden(`you may not ${access.operation} ${this.model.name} ${id}`);
  }

  private async loadLive(id: string, access: CallAccess, forUpdate = false): Promise<StoredState> {
    const state = await this.loadExisting(id, access, forUpdate);
    if (state.deletedAt !== null) throw StrataError.gone(this.model.name, id);
    return state;
  }

  private async loadRevision(id: string, n: number) {
    // Checked here so every transport answers a bad number alike (REST's path parameter check says the same).
    if (!Number.isInteger(n) || n < 1 || n > MAX_REVISION_NUMBER) throw StrataError.badRequest(`revision must be a whole number from 1 to ${MAX_REVISION_NUMBER}`);
    const revision = await this.store.findRevision(id, n);
    if (!revision) throw StrataError.notFound(this.model.name, id, n);
    return revision;
  }

  private checkDraftAllowed(options: WriteOptions): void {
    if (options.draft && !this.model.versioning.drafts) {
      throw StrataError.badRequest(`${this.model.name} does not keep drafts; enable them with @Versioned({ drafts: true })`);
    }
  }

  private pageLimit(limit: number | undefined): number {
    const { defaultLimit, maxLimit } = this.environment.limits;
    if (limit === undefined) return defaultLimit;
    if (!Number.isInteger(limit) || limit < 1 || limit > maxLimit) throw StrataError.badQuery(`limit must be a whole number from 1 to ${maxLimit}`);
    return limit;
  }

  private async countRows(sql: string, params: readonly unknown[]): Promise<number> {
    const rows = await this.store.search(sql, params);
    return Number(Object.values(rows[0] ?? { count: 0 })[0]);
  }

  private read<R>(operation: HookName, input: Record<string, unknown>, options: CallOptions, work: (access: CallAccess) => Promise<R>): Promise<R> {
    const access = new CallAccess(operation);
    return this.environment.hooks.run(this.hookContext(operation, input, options, access), () => work(access));
  }

  private write<R>(operation: HookName, input: Record<string, unknown>, options: CallOptions, work: (access: CallAccess) => Promise<R>): Promise<R> {
    const access = new CallAccess(operation);
    return this.environment.database.transaction(() => this.environment.hooks.run(this.hookContext(operation, input, options, access), () => work(access)));
  }

  private hookContext(operation: HookName, input: Record<string, unknown>, options: CallOptions, access: CallAccess): HookContext {
    const user = this.caller ? this.caller.user : options.user ?? null;
    return { operation, model: this.model, user, checked: this.caller !== undefined, restrict: (rules) => access.add(rules), input, state: {} };
  }

  /** Who a write is recorded as: the checked caller, else `options.user` (null: anonymous or the system). */
  private actor(options: CallOptions): string | null {
    return userId(this.caller ? this.caller.user : options.user);
  }
}
