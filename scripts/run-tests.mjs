// Runs every compiled test file under dist/spec with node's test runner.
// --test-force-exit: Agenda (and some drivers) leave timers running after stop().
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = 'dist/spec';
const filter = process.argv[2];
const files = [];
(function walk(directory) {
  for (const entry of readdirSync(directory).sort()) {
    const path = join(directory, entry);
    if (statSync(path).isDirectory()) walk(path);
    else if (entry.endsWith('.test.js') && (!filter || path.includes(filter))) files.push(path);
  }
})(root);
if (files.length === 0) {
  console.error(`no test files found under ${root}${filter ? ` matching ${filter}` : ''}`);
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--test', '--test-force-exit', '--test-concurrency=2', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
