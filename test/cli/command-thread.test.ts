// The commands whose work runs on a thread of their own (src/cli/command-thread.ts: train, prepare, quickstart,
// export) behave as they did when it ran on the main thread: a write to stdout or stderr that fails (the reader of a
// pipe gone, a full disk) does not stop the work, whose outputs are all written before the process ends with the
// stream's error (exit 1); a preload given in NODE_OPTIONS (--import, the only way to give one through the
// mistral-tune command itself) runs on the work's thread, as one given to node does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FIXTURES, TINY_BASE } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';

const ROOT = path.join(FIXTURES, '..', '..');
const BIN = path.join(ROOT, 'bin', 'mistral-tune.js');
const QA = path.join(ROOT, 'examples', 'data', 'countries-qa.jsonl');
const FULL = '/dev/full'; // every write to it fails with ENOSPC, as to a full disk

/** The CLI with its stderr (or stdout) on /dev/full, the other a pipe. */
function withFull(stream: 'stdout' | 'stderr', args: string[], cwd: string) {
  const fd = fs.openSync(FULL, 'w');
  try {
    return spawnSync(process.execPath, [BIN, ...args], {
      cwd, encoding: 'utf8', timeout: 120_000, stdio: ['ignore', stream === 'stdout' ? fd : 'pipe', stream === 'stderr' ? fd : 'pipe'],
    });
  } finally {
    fs.closeSync(fd);
  }
}

const names = (dir: string): string[] => fs.readdirSync(dir).sort();

test('a failed write to stderr does not stop prepare or train: their outputs are all written, --json\'s line too, and the process ends by the write\'s error (exit 1), as on the main thread', { skip: !fs.existsSync(FULL) && `no ${FULL} here`, timeout: 120_000 }, () => {
  const dir = tempDir('mt-thread-full-');
  const prepared = withFull('stderr', ['prepare', '--input', QA, '--out', 'data', '--json'], dir);
  assert.equal(prepared.status, 1);
  assert.equal((JSON.parse(prepared.stdout) as { kept: number }).kept, 1253, 'the --json line, written after the work');
  assert.deepEqual(names(path.join(dir, 'data')), ['rejected.jsonl', 'report.json', 'test.jsonl', 'train.jsonl', 'val.jsonl']);

  fs.writeFileSync(path.join(dir, 'train.jsonl'), Array.from({ length: 4 }, (_, i) => JSON.stringify({ input_ids: [1, 5 + i, 9, 14, 20 + i, 7] })).join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'c.yaml'), [`model: ${TINY_BASE}`, 'data: {train: train.jsonl}', 'lora: {r: 2}', 'batch_size: 2',
    'max_steps: 2', 'eval: {samples: 0}', 'output_dir: run'].join('\n') + '\n');
  const trained = withFull('stderr', ['train', 'c.yaml'], dir);
  assert.equal(trained.status, 1);
  assert.ok(fs.existsSync(path.join(dir, 'run', 'report.json')), 'the run finished');
  assert.deepEqual(names(path.join(dir, 'run')).filter((n) => n.startsWith('.mistral-tune.lock') || n.endsWith('.tmp')), [], 'no lock or temporary left');
});

test('a preload given in NODE_OPTIONS (--import) runs on the work\'s thread too, as one given to node does', { timeout: 60_000 }, () => {
  const dir = tempDir('mt-thread-preload-');
  const preload = path.join(dir, 'preload.mjs');
  fs.writeFileSync(preload, `import { isMainThread } from 'node:worker_threads';\nimport * as fs from 'node:fs';\nfs.writeSync(2, 'preload on ' + (isMainThread ? 'main' : 'thread') + '\\n');\n`);
  fs.copyFileSync(QA, path.join(dir, 'qa.jsonl'));
  const prepare = ['prepare', '--input', 'qa.jsonl', '--out', 'data', '--quiet', '--overwrite'];
  const lines = (r: ReturnType<typeof spawnSync>): string[] => String(r.stderr).split('\n').filter((l) => l.startsWith('preload on'));
  const flag = spawnSync(process.execPath, ['--import', preload, BIN, ...prepare], { cwd: dir, encoding: 'utf8' });
  assert.equal(flag.status, 0, flag.stderr);
  assert.deepEqual(lines(flag), ['preload on main', 'preload on thread']);
  for (const options of [`--import ${preload}`, `--import="${preload}"`, `--no-warnings --import=${preload}`]) {
    const env = spawnSync(process.execPath, [BIN, ...prepare], { cwd: dir, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: options } });
    assert.equal(env.status, 0, env.stderr);
    assert.deepEqual(lines(env), ['preload on main', 'preload on thread'], `NODE_OPTIONS=${options}`);
  }
});
