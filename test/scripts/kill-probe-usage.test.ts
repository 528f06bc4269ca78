// scripts/kill-probe.ts's arguments: --help prints its usage (exit 0), an unknown case one line and the usage (exit 2),
// before it writes its work folder or runs anything (it said "Error: unknown case --help" with a stack, after preparing data).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nodeArgsFor } from '../node-args.ts';
import { tempDir } from '../temp-dir.ts';

const probe = (...args: string[]) => spawnSync(process.execPath, [...nodeArgsFor('scripts/kill-probe.ts'), ...args], { encoding: 'utf8' });

test('kill-probe --help (or -h): its usage on stdout, exit 0; an unknown case: one line naming it and the usage on stderr, exit 2; nothing written', () => {
  const work = path.join(tempDir('mt-kill-probe-usage-'), 'work');
  for (const help of ['--help', '-h']) {
    const r = probe(help, '--work', work);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^usage: node --import tsx scripts\/kill-probe\.ts CASE /);
    assert.match(r.stdout, /train-lora, train-full, /);
    assert.equal(r.stderr, '');
  }
  const r = probe('train-loar', '--work', work);
  assert.equal(r.status, 2, r.stderr);
  const [first, ...rest] = r.stderr.split('\n');
  assert.equal(first, 'kill-probe: unknown case train-loar (one of train-lora, train-full, train-cls, export-adapter, export-merge, export-gguf, export-gguf-lora, prepare, quickstart)');
  assert.match(rest.join('\n'), /^usage: /);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack');
  assert.equal(fs.existsSync(work), false, 'the work folder is not made');
});
