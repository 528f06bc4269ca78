// Trains (and prepares) started on one folder at the same instant: the lock is put in place by link(2), which fails with
// EEXIST when a lock is there (run-lock.ts), so exactly one takes the folder and the others are refused in one line
// (exit 2), whatever the timing. The processes are held at a barrier right before that link (lock-barrier.cjs: a FIFO
// that each opens for reading) and let go together; the lock function's own races are in test/train/run-lock.test.ts.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FIXTURES, TINY_BASE } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { leftovers } from './leftovers.ts';

const ROOT = path.join(FIXTURES, '..', '..');
const BIN = path.join(ROOT, 'bin', 'mistral-tune.js');
const BARRIER = path.join(ROOT, 'test', 'cli', 'lock-barrier.cjs');
const QA = path.join(ROOT, 'examples', 'data', 'countries-qa.jsonl');

/** `n` CLI processes with `args` in `cwd`, let go together at the lock's link: how each exited, and its stderr. */
async function atOnce(t: TestContext, cwd: string, n: number, args: string[]): Promise<Array<{ code: number | null; stderr: string }>> {
  const fifo = path.join(cwd, 'barrier');
  const children = Array.from({ length: n }, () => {
    const child = spawn(process.execPath, ['--require', BARRIER, BIN, ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, MT_LOCK_BARRIER: fifo } });
    t.after(() => child.kill('SIGKILL')); // failed midway, it would wait at the barrier for good
    const out = { code: null as number | null, stderr: '' };
    const there = new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (d: Buffer) => {
        out.stderr += d.toString();
        if (out.stderr.includes('at the lock barrier\n')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`exited (${code}) before the barrier:\n${out.stderr}`)));
    });
    const closed = new Promise<typeof out>((resolve) => child.once('close', (code) => resolve({ ...out, code })));
    return { there, closed };
  });
  await Promise.all(children.map((c) => c.there));
  // every process waits in its open of the FIFO (or is about to): a writer lets them all go, and stays open for a late one
  const writer = fs.openSync(fifo, fs.constants.O_RDWR);
  try {
    return await Promise.all(children.map((c) => c.closed));
  } finally {
    fs.closeSync(writer);
  }
}

/** Exactly one of `results` exited 0; the others were refused in one line naming the process that holds the folder. */
function oneTook(results: Array<{ code: number | null; stderr: string }>): void {
  const won = results.filter((r) => r.code === 0);
  assert.equal(won.length, 1, results.map((r) => `exit ${r.code}:\n${r.stderr}`).join('\n'));
  for (const r of results.filter((x) => x !== won[0])) {
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^error: .*in use by process \d+/m);
  }
}

test('trains started on one run folder at the same instant: one trains it, the others are refused (exit 2); the run is whole, no lock left', { timeout: 180_000 }, async (t) => {
  const dir = tempDir('mt-lock-race-train-');
  if (spawnSync('mkfifo', [path.join(dir, 'barrier')]).status !== 0) return t.skip('no mkfifo here');
  fs.writeFileSync(path.join(dir, 'train.jsonl'), Array.from({ length: 4 }, (_, i) => JSON.stringify({ input_ids: [1, 5 + i, 9, 14, 20 + i, 7] })).join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'c.yaml'), [`model: ${TINY_BASE}`, 'data: {train: train.jsonl}', 'lora: {r: 2}', 'batch_size: 2',
    'max_steps: 2', 'eval: {samples: 0}', 'device: cpu', 'output_dir: run'].join('\n') + '\n');
  oneTook(await atOnce(t, dir, 3, ['train', 'c.yaml']));
  const run = path.join(dir, 'run');
  assert.ok(fs.existsSync(path.join(run, 'report.json')), 'the run finished');
  assert.deepEqual(leftovers(run), []);
});

test('prepares started on one --out folder at the same instant: one writes it, the others are refused (exit 2); no lock left', { timeout: 120_000 }, async (t) => {
  const dir = tempDir('mt-lock-race-prepare-');
  if (spawnSync('mkfifo', [path.join(dir, 'barrier')]).status !== 0) return t.skip('no mkfifo here');
  fs.copyFileSync(QA, path.join(dir, 'qa.jsonl'));
  oneTook(await atOnce(t, dir, 3, ['prepare', '--input', 'qa.jsonl', '--out', 'out', '--quiet']));
  assert.ok(fs.existsSync(path.join(dir, 'out', 'report.json')), 'the prepare finished');
  assert.deepEqual(leftovers(path.join(dir, 'out')), []);
});
