import { ERROR_CODES } from '../errors/index.js';
import { schemaRef, type SchemaObject } from './types.js';

const DATE_TIME: SchemaObject = { type: 'string', format: 'date-time' };
const USER_ID: SchemaObject = { type: ['string', 'null'], description: 'Id of the user who wrote it; null for anonymous writes.' };
const REVISION_NUMBER: SchemaObject = { type: 'integer', minimum: 1 };
const STATUS: SchemaObject = { type: 'string', enum: ['stable', 'draft'], description: 'A stable revision never changes; a draft can be changed in place until it is published.' };
const HASH: SchemaObject = { type: 'string', pattern: '^sha256:[0-9a-f]{64}$', description: 'Content hash of the revision data.' };

/** A cursor to pass back for the next page, or null on the last page. */
export const NEXT_CURSOR: SchemaObject = { type: ['string', 'null'], description: 'Opaque cursor of the next page; null on the last page.' };

/**
 * The component schemas every resource shares: `ResourceMeta`, `Revision`, `RevisionWithData`,
 * `RevisionPage`, `JsonPatchOperation`, `JsonPatch`, `Problem`, `ProblemDetail`, `Count` and
 * `ImportResult` (docs/resources-and-revisions.md, docs/rest.md).
 */
export function sharedSchemas(): Record<string, SchemaObject> {
  return {
    ResourceMeta: {
      type: 'object',
      description: 'Revision and audit information of a resource (`_meta`).',
      properties: {
        revision: { ...REVISION_NUMBER, description: 'Number of the current revision.' },
        revisionId: { type: 'string', description: '`<id>:<revision>`.' },
        revisionCount: { type: 'integer', minimum: 1, description: 'Revisions ever written; never decreases.' },
        etag: { type: 'string', description: 'The strong ETag of this representation, as in the ETag header.' },
        status: STATUS,
        deleted: { type: 'boolean' },
        schemaVersion: { type: 'integer', minimum: 1 },
        createdAt: DATE_TIME,
        createdBy: USER_ID,
        updatedAt: DATE_TIME,
        updatedBy: USER_ID,
      },
      required: ['revision', 'revisionId', 'revisionCount', 'etag', 'status', 'deleted', 'schemaVersion', 'createdAt', 'createdBy', 'updatedAt', 'updatedBy'],
    },
    Revision: {
      type: 'object',
      description: 'One entry of a revision history.',
      properties: {
        revision: REVISION_NUMBER,
        revisionId: { type: 'string', description: '`<id>:<revision>`.' },
        parent: { type: ['integer', 'null'], minimum: 1, description: 'The revision this one was written on; null for the first.' },
        status: STATUS,
        hash: HASH,
        schemaVersion: { type: 'integer', minimum: 1 },
        createdAt: DATE_TIME,
        createdBy: USER_ID,
      },
      required: ['revision', 'revisionId', 'parent', 'status', 'hash', 'schemaVersion', 'createdAt', 'createdBy'],
    },
    RevisionWithData: {
      description: 'One revision with its data, upgraded to the current schema version.',
      allOf: [schemaRef('Revision')],
      type: 'object',
      properties: { data: { type: 'object', description: 'The fields of the resource as of this revision.' } },
      required: ['data'],
    },
    RevisionPage: {
      type: 'object',
      properties: { items: { type: 'array', items: schemaRef('Revision') }, nextCursor: NEXT_CURSOR },
      required: ['items', 'nextCursor'],
    },
    JsonPatchOperation: {
      description: 'One RFC 6902 operation.',
      oneOf: [
        operation(['add', 'replace', 'test'], { value: { description: 'Any JSON value.' } }),
        operation(['remove'], {}),
        operation(['move', 'copy'], { from: { type: 'string', description: 'JSON Pointer (RFC 6901) of the source.' } }),
      ],
    },
    JsonPatch: {
      type: 'array',
      description: 'An RFC 6902 JSON Patch document; applied atomically.',
      items: schemaRef('JsonPatchOperation'),
    },
    ProblemDetail: {
      type: 'object',
      properties: {
        path: { type: 'string', description: 'Where the problem is, e.g. `email` or `[2].tags[0]`.' },
        message: { type: 'string' },
        constraint: { type: 'string', description: 'The rule that failed, e.g. `isEmail`.' },
      },
      required: ['path', 'message'],
    },
    Problem: {
      type: 'object',
      description: 'RFC 9457 problem details.',
      properties: {
        type: { type: 'string', format: 'uri', description: 'A stable URN per code, e.g. `urn:strata:error:not-found`.' },
        title: { type: 'string' },
        status: { type: 'integer', minimum: 400, maximum: 599 },
        detail: { type: 'string' },
        code: { type: 'string', enum: Object.keys(ERROR_CODES) },
        errors: { type: 'array', items: schemaRef('ProblemDetail') },
      },
      required: ['type', 'title', 'status', 'detail', 'code', 'errors'],
    },
    Count: {
      type: 'object',
      properties: { count: { type: 'integer', minimum: 0 } },
      required: ['count'],
    },
    BulkResult: {
      type: 'object',
      properties: {
        count: { type: 'integer', minimum: 0, description: 'Resources matched (each changed through the usual checks; one that ends equal gets no new revision).' },
        ids: { type: 'array', items: { type: 'string' }, description: 'Their ids, in creation order.' },
      },
      required: ['count', 'ids'],
    },
    RevertWindow: {
      type: 'object',
      properties: {
        since: { type: 'string', format: 'date-time', description: 'Start of the window (inclusive).' },
        until: { type: 'string', format: 'date-time', description: 'End of the window (exclusive); default now.' },
        by: { type: 'string', description: 'Undo only the changes of this user id.' },
        where: { type: 'object', description: 'Only resources whose current state matches this filter (docs/search.md).' },
        dryRun: { type: 'boolean', default: false, description: 'Return the plan and write nothing.' },
      },
      required: ['since'],
      additionalProperties: false,
    },
    RevertPlan: {
      type: 'object',
      properties: {
        plan: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              id: { type: 'string' },
              from: { type: 'integer', minimum: 1, description: 'The current revision.' },
              to: { type: ['integer', 'null'], minimum: 1, description: 'The revision current at since; null when the resource did not exist then.' },
              action: { type: 'string', enum: ['revert', 'delete', 'restore'] },
              diff: { ...schemaRef('JsonPatch'), description: 'From the current data to the data written.' },
            },
            required: ['id', 'from', 'to', 'action', 'diff'],
          },
        },
      },
      required: ['plan'],
    },
    ImportResult: {
      type: 'object',
      properties: { imported: { type: 'integer', minimum: 0, description: 'Resources imported.' } },
      required: ['imported'],
    },
  };
}

/** The `_meta` of an `_export` record: the stored current state. */
export function exportMetaSchema(): SchemaObject {
  return {
    type: 'object',
    properties: {
      revision: REVISION_NUMBER,
      revisionCount: { type: 'integer', minimum: 1 },
      status: STATUS,
      hash: HASH,
      schemaVersion: { type: 'integer', minimum: 1 },
      deletedAt: { type: ['string', 'null'], format: 'date-time' },
      deletedBy: { type: ['string', 'null'], description: 'Id of the user who deleted it; null when live or deleted anonymously.' },
      createdAt: DATE_TIME,
      createdBy: USER_ID,
      updatedAt: DATE_TIME,
      updatedBy: USER_ID,
    },
    required: ['revision'],
  };
}

/** One stored revision in an `_export` record; `data` is described by the caller. */
export function exportRevisionSchema(data: SchemaObject): SchemaObject {
  return {
    type: 'object',
    properties: {
      n: REVISION_NUMBER,
      parent: { type: ['integer', 'null'], minimum: 1 },
      status: STATUS,
      hash: HASH,
      schemaVersion: { type: 'integer', minimum: 1 },
      data,
      createdAt: DATE_TIME,
      createdBy: USER_ID,
    },
    required: ['n', 'status', 'hash', 'data'],
  };
}

function operation(ops: string[], extra: Record<string, SchemaObject>): SchemaObject {
  return {
    type: 'object',
    properties: { op: { type: 'string', enum: ops }, path: { type: 'string', description: 'JSON Pointer (RFC 6901).' }, ...extra },
    required: ['op', 'path', ...Object.keys(extra)],
  };
}
