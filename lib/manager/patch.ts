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

/** The operations of RFC 6902, with the members each needs (fast-json-patch also runs an internal `_get`; a client may not). */
const JSON_PATCH_OPERATIONS: Record<string, readonly string[]> = {
  add: ['path', 'value'], remove: ['path'], replace: ['path', 'value'], move: ['from', 'path'], copy: ['from', 'path'], test: ['path', 'value'],
};

/** A top-level member Strata manages (`id`, `_meta`, `_job`, anything beginning with `_`): never written by a patch. */
function isReservedMember(name: string): boolean {
  return name === 'id' || name.startsWith('_');
}

/** Checks the shape of each operation (400) and the members it touches (422) before anything is applied. */
function checkOperations(operations: unknown[]): Operation[] {
  operations.forEach((operation, index) => {
    const where = `operation ${index + 1}`;
    if (!operation || typeof operation !== 'object' || Array.isArray(operation)) throw StrataError.badRequest(`invalid JSON Patch: ${where} is not an object`);
    const { op } = operation as { op?: unknown };
    const needs = typeof op === 'string' && Object.hasOwn(JSON_PATCH_OPERATIONS, op) ? JSON_PATCH_OPERATIONS[op] : undefined;
    if (!needs) throw StrataError.badRequest(`invalid JSON Patch: ${where} has op ${JSON.stringify(op)?.slice(0, 50)}; use ${Object.keys(JSON_PATCH_OPERATIONS).join(', ')}`);
    for (const member of needs) {
      const value = (operation as Record<string, unknown>)[member];
      if (value === undefined || (member !== 'value' && typeof value !== 'string')) throw StrataError.badRequest(`invalid JSON Patch: ${where} (${op}) needs ${member === 'value' ? 'a value' : `${member} as a JSON Pointer`}`);
      if (member === 'value') continue;
      const pointer = value as string;
      if (pointer !== '' && !pointer.startsWith('/')) throw StrataError.badRequest(`invalid JSON Patch: ${where} ${member} ${JSON.stringify(pointer.slice(0, 100))} is not a JSON Pointer`);
      const tokens = pointer.split('/').slice(1).map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
      if (tokens.some((token) => ['__proto__', 'constructor', 'prototype'].includes(token))) {
        throw StrataError.validation([{ path: pointer, message: `${pointer} is not allowed`, constraint: 'forbiddenKey' }]);
      }
      if (tokens.length > 0 && isReservedMember(tokens[0])) {
        throw StrataError.validation([{ path: tokens[0], message: `${tokens[0]} is managed by Strata and cannot be written`, constraint: 'reserved' }]);
      }
    }
  });
  return operations as Operation[];
}

function applyJsonPatch(document: Record<string, unknown>, input: unknown): unknown {
  if (!Array.isArray(input)) throw StrataError.badRequest('a JSON Patch must be an array of operations');
  const operations = checkOperations(input);
  try {
    let patched: unknown = structuredClone(document);
    for (const [index, operation] of operations.entries()) {
      // RFC 6902 §4.2/4.3: the target of remove and replace must exist (fast-json-patch lets a missing member pass).
      if ((operation.op === 'remove' || operation.op === 'replace') && !pointerExists(patched, operation.path)) {
        throw StrataError.conflict(`JSON Patch operation ${index + 1} (${operation.op} ${operation.path}) points at a value that does not exist; nothing was changed`);
      }
      patched = jsonPatch.applyOperation(patched, operation, true, true, true, index).newDocument;
    }
    return patched;
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

/** True when the JSON Pointer names a member or element that is there. */
function pointerExists(document: unknown, pointer: string): boolean {
  let here: unknown = document;
  for (const raw of pointer.split('/').slice(1)) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(here)) {
      if (!/^(0|[1-9]\d*)$/.test(token) || Number(token) >= here.length) return false;
      here = here[Number(token)];
    } else if (here !== null && typeof here === 'object' && Object.hasOwn(here, token)) {
      here = (here as Record<string, unknown>)[token];
    } else {
      return false;
    }
  }
  return true;
}

function applyMergePatch(document: Record<string, unknown>, patch: unknown): unknown {
  if (patch !== null && typeof patch === 'object' && !Array.isArray(patch)) {
    // `{ "_meta": null }` would merge to nothing and pass unseen; writing a managed member is a 422 whatever the value.
    const reserved = Object.keys(patch).filter(isReservedMember);
    if (reserved.length > 0) {
      throw StrataError.validation(reserved.map((name) => ({ path: name, message: `${name} is managed by Strata and cannot be written`, constraint: 'reserved' })));
    }
  }
  return mergePatch.apply(structuredClone(document), patch);
}

/** The RFC 6902 JSON Patch that turns `from` into `to`. */
export function diffDocuments(from: Record<string, unknown>, to: Record<string, unknown>): Operation[] {
  return jsonPatch.compare(from, to);
}
