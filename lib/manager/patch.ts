import jsonPatch, { type Operation } from 'fast-json-patch';
import mergePatch from 'json-merge-patch';
import { StrataError } from '../errors/index.js';
import { rejectForbiddenKeys } from './validate.js';

/** The two patch formats: RFC 6902 JSON Patch and RFC 7396 JSON Merge Patch. */
export type PatchFormat = 'json-patch' | 'merge-patch';

/**
 * Applies a patch to a copy of `document` and returns the copy; `document` is never touched, so a
 * failing operation leaves nothing half-applied.
 */
export function applyPatch(document: Record<string, unknown>, patch: unknown, format: PatchFormat): unknown {
  rejectForbiddenKeys(patch);
  return format === 'json-patch' ? applyJsonPatch(document, patch) : applyMergePatch(document, patch);
}

function applyJsonPatch(document: Record<string, unknown>, operations: unknown): unknown {
  if (!Array.isArray(operations)) throw StrataError.badRequest('a JSON Patch must be an array of operations');
  for (const operation of operations as Operation[]) {
    for (const pointer of [operation?.path, (operation as { from?: string })?.from]) {
      if (typeof pointer === 'string' && pointer.split('/').some((token) => ['__proto__', 'constructor', 'prototype'].includes(token))) {
        throw StrataError.validation([{ path: pointer, message: `${pointer} is not allowed`, constraint: 'forbiddenKey' }]);
      }
    }
  }
  try {
    return jsonPatch.applyPatch(structuredClone(document), operations as Operation[], true, true, true).newDocument;
  } catch (error) {
    if (!(error instanceof jsonPatch.JsonPatchError)) throw error;
    const failed = `operation ${(error.index ?? 0) + 1} (${error.operation?.op ?? '?'} ${error.operation?.path ?? ''})`;
    if (error.name === 'TEST_OPERATION_FAILED') throw StrataError.conflict(`JSON Patch test failed at ${failed}; nothing was changed`);
    if (error.name === 'OPERATION_PATH_UNRESOLVABLE' || error.name === 'OPERATION_FROM_UNRESOLVABLE') {
      throw StrataError.conflict(`JSON Patch ${failed} points at a value that does not exist; nothing was changed`);
    }
    throw StrataError.badRequest(`invalid JSON Patch ${failed}: ${error.message.split('\n')[0]}`);
  }
}

function applyMergePatch(document: Record<string, unknown>, patch: unknown): unknown {
  return mergePatch.apply(structuredClone(document), patch);
}

/** The RFC 6902 JSON Patch that turns `from` into `to`. */
export function diffDocuments(from: Record<string, unknown>, to: Record<string, unknown>): Operation[] {
  return jsonPatch.compare(from, to);
}
