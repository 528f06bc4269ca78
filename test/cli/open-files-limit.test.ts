// Past its limit of open files (ulimit -n) the CLI fails where Node loads its modules, dozens at a time: before main()
// (its own static imports, in bin/mistral-tune.js) or in the command's (main.ts). Either way it ends with one line naming
// the file, the code and how to raise the limit, status 2, not Node's stack trace. Which module hits the limit depends
// on the files the process inherited and on Node, so the test tries every limit from Node's own start up: lowering
// one's own limit needs no root.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FIXTURES } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';

const BIN = path.join(FIXTURES, '..', '..', 'bin', 'mistral-tune.js');
// the file a module load opened, or in a source checkout a folder of src/ that bin/'s check of dist/ against src/ listed
const ONE_LINE = /^error: (\/\S+\.js|\/\S+\/src(\/[^\s:]+)?): cannot open: too many open files \(EMFILE\): raise the limit of open files \(ulimit -n(, \d+ here)?\) and run it again$/;

test('with too small a ulimit -n, a command fails to load its modules in one line (EMFILE), status 2', { timeout: 120_000 }, (t) => {
  const dir = tempDir('mt-emfile-');
  const failed: number[] = [];
  for (let limit = 16; limit <= 40; limit += 2) { // every other one: ~0.2 CPU-s a run
    const r = spawnSync('sh', ['-c', `ulimit -n ${limit} && exec "$0" "$@"`, process.execPath, BIN, 'export', '--run', path.join(dir, 'run'), '--out', path.join(dir, 'out'), '--merge'],
      { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
    // below some limit Node itself cannot start (a crash, or its own error opening bin/mistral-tune.js): nothing of ours ran
    if (r.signal !== null || r.stderr.includes(`open '${BIN}'`)) continue;
    const lines = r.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('device auto:'));
    if (lines.length === 1 && lines[0]!.includes('not a run directory')) break; // past the limit where loading fails
    assert.equal(r.status, 2, `ulimit -n ${limit}: ${r.stderr}`);
    assert.equal(lines.length, 1, `ulimit -n ${limit}: ${r.stderr}`);
    assert.match(lines[0]!, ONE_LINE, `ulimit -n ${limit}`);
    failed.push(limit);
  }
  t.diagnostic(`loading failed in one line at ulimit -n ${failed.join(', ')}`);
  assert.ok(failed.length >= 5, `only ${failed.length} limits failed while loading`);
});

// Higher up, Node's loader may meet the limit on a package's package.json and take the package as absent: "Cannot
// find package" though it is there (ERR_MODULE_NOT_FOUND), which is the limit too, not a damaged install.
const NOT_LOADED = /^error: \/\S+\/package\.json: is there, but Node could not load it \(ERR_MODULE_NOT_FOUND\) with \d+ open files allowed: raise the limit of open files \(ulimit -n\) and run it again$/;

test('with a ulimit -n just too small for prepare, every run ends in one line, status 2, or runs', { timeout: 120_000 }, (t) => {
  const dir = tempDir('mt-emfile-prepare-');
  const input = path.join(dir, 'in.jsonl');
  fs.writeFileSync(input, '{"text": "hello world"}\n');
  const seen: string[] = [];
  for (let limit = 44; limit <= 80; limit += 4) {
    fs.rmSync(path.join(dir, 'out'), { recursive: true, force: true });
    const r = spawnSync('sh', ['-c', `ulimit -n ${limit} && exec "$0" "$@"`, process.execPath, BIN, 'prepare', '--input', input, '--out', path.join(dir, 'out')],
      { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
    if (r.status === 0) { seen.push(`${limit}: ran`); continue; }
    const lines = r.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('device auto:') && !l.startsWith('tokenizer:'));
    assert.equal(r.status, 2, `ulimit -n ${limit}: ${r.stderr}`);
    assert.equal(lines.length, 1, `ulimit -n ${limit}: ${r.stderr}`);
    assert.ok(ONE_LINE.test(lines[0]!) || NOT_LOADED.test(lines[0]!), `ulimit -n ${limit}: ${lines[0]}`);
    seen.push(`${limit}: ${NOT_LOADED.test(lines[0]!) ? 'not loaded' : 'EMFILE'}`);
  }
  t.diagnostic(seen.join(', '));
});
