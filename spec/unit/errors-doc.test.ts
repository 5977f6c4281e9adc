import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ERROR_CODES } from '../../lib/errors/index.js';

const table = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8')
  .split('\n')
  .map((line) => /^\| `([A-Z_]+)` \| (\d{3}) \|/.exec(line))
  .filter((match): match is RegExpExecArray => match !== null)
  .map((match) => ({ code: match[1], status: Number(match[2]) }));

describe('docs/errors.md', () => {
  it('lists every error code with its HTTP status, and nothing else', () => {
    const documented = Object.fromEntries(table.map((row) => [row.code, row.status]));
    const implemented = Object.fromEntries(Object.entries(ERROR_CODES).map(([code, { status }]) => [code, status]));
    assert.deepEqual(documented, implemented);
  });

  it('lists each code once', () => {
    assert.equal(new Set(table.map((row) => row.code)).size, table.length);
  });
});
