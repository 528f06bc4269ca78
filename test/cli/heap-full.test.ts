// A command's thread whose JavaScript heap fills up (a small --max-old-space-size, a run holding too much) is stopped by
// Node: the command ends with one line saying so and how to raise the limit (not Node's ERR_WORKER_OUT_OF_MEMORY stack),
// status 2, what the thread was writing removed as after Ctrl-C (the half-written checkpoint's temporary folder, the
// lock), and --resume goes on from the last complete checkpoint.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { listCheckpoints } from '../../src/train/checkpoint.ts';
import { FIXTURES, TINY_BASE, TINY_CLS } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { runnable, TS_LOADER } from '../node-args.ts';
import { cliIn } from './in-process-cli.ts';
import { leftovers } from './leftovers.ts';

const BIN = path.join(FIXTURES, '..', '..', 'bin', 'mistral-tune.js');
const PRELOAD = path.join(FIXTURES, '..', 'cli', 'heap-full-at-write.ts');
const DATA = path.join(FIXTURES, '..', '..', 'examples', 'tiny-eval.jsonl');
const SIGNAL_HOOK = path.join(FIXTURES, '..', 'export', 'signal-at-write.cjs');

/** A train config in a new folder `root` (its data copied there) that checkpoints at steps 2 and 4 into root/run. */
function checkpointingRun(prefix: string): { root: string; config: string; run: string } {
  const root = tempDir(prefix);
  fs.copyFileSync(DATA, path.join(root, 'train.jsonl'));
  const config = path.join(root, 'c.yaml');
  fs.writeFileSync(config, [`model: ${TINY_BASE}`, 'data: {train: train.jsonl}', 'batch_size: 1', 'max_steps: 4', 'eval: {samples: 0}',
    'checkpoint: {every_steps: 2, keep: 3}', 'output_dir: run'].join('\n') + '\n');
  return { root, config, run: path.join(root, 'run') };
}

/** The one error line a command whose thread's heap filled up ends with. */
const HEAP_FULL_LINE = /^error: out of memory: the JavaScript heap reached its limit/;

test('train whose heap fills up while it writes a checkpoint: one line, status 2, nothing half-written or locked left, and --resume finishes it', { timeout: 90_000 }, async () => {
  const { config, run } = checkpointingRun('mt-heapfull-');
  // the main thread needs ~30 MiB of heap; the thread's fill takes whatever limit it is given
  const full = spawnSync(process.execPath, ['--max-old-space-size=96', ...TS_LOADER, '--import', runnable(PRELOAD), BIN, 'train', config],
    { encoding: 'utf8', env: { ...process.env, MT_HEAP_FULL_AT: 'step-0000004[/-].*state\\.safetensors' } });
  assert.equal(full.status, 2, full.stderr);
  const errors = full.stderr.split('\n').filter((l) => l.startsWith('error: '));
  assert.equal(errors.length, 1, full.stderr);
  assert.match(errors[0]!, /^error: out of memory: the JavaScript heap reached its limit \(--max-old-space-size, or Node's default\), so the work was stopped and what it was writing removed: raise the limit \(NODE_OPTIONS=--max-old-space-size=\d+, in MiB\) and run it again \(train: with --resume\)$/);
  assert.doesNotMatch(full.stderr, /ERR_WORKER_OUT_OF_MEMORY|\n\s+at /, 'no stack trace');
  assert.deepEqual(listCheckpoints(run).map((c) => path.basename(c)), ['step-0000002'], 'no partial checkpoint of step 4');
  const leftovers = fs.readdirSync(run, { recursive: true, encoding: 'utf8' }).filter((f) => /(^|\/)\.(tmp|old)-|\.tmp$|\.lock$/.test(f));
  assert.deepEqual(leftovers, [], 'no temporary folder, temporary file or lock left');

  const resumed = await cliIn(process.cwd(), ['train', config, '--resume']); // no heap limit: main() in this process
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stderr, /^resume: from the checkpoint of step 2 /m);
  assert.ok(fs.existsSync(path.join(run, 'report.json')) && fs.existsSync(path.join(run, 'adapter', 'adapter_model.safetensors')));
});

test('Ctrl-C while train, its heap full, removes what it was writing: that removal ends, its lock is removed, and the heap\'s line is said', { timeout: 90_000 }, () => {
  const { config, run } = checkpointingRun('mt-heapfull-stop-');
  // signal-at-write.cjs: the main thread sends itself SIGINT as it removes the half-written checkpoint's temporary folder
  const r = spawnSync(process.execPath, ['--max-old-space-size=96', ...TS_LOADER, '--import', runnable(PRELOAD), '--require', SIGNAL_HOOK, BIN, 'train', config], {
    encoding: 'utf8', env: { ...process.env, MT_HEAP_FULL_AT: 'step-0000004[/-].*state\\.safetensors', MT_SIGNAL_AGAIN_AT: '/\\.tmp-step-0000004-', MT_SIGNAL: 'INT' },
  });
  // before, no listener was left during that removal: the signal's default action ended the process in its middle,
  // the lock and the temporary folder left, with no line
  assert.equal(r.signal, null, `not ended by the signal: ${r.stderr}`);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr.split('\n').filter((l) => l.startsWith('error: ')).join('\n'), HEAP_FULL_LINE);
  assert.deepEqual(leftovers(run), [], 'what it was writing and its lock are removed');
});

test('eval, generate and classify whose heap fills up: one line, status 2, no stack (their work runs on a command thread too)', { timeout: 120_000 }, () => {
  const root = tempDir('mt-heapfull-cmds-');
  const texts = path.join(root, 'texts.jsonl');
  fs.writeFileSync(texts, '{"text": "a"}\n');
  const commands: Array<[string, string[], string]> = [
    ['eval', ['eval', '--model', TINY_BASE, '--data', DATA], 'tiny-eval\\.jsonl$'],
    ['generate', ['generate', '--model', TINY_BASE, '--prompt', 'hi', '--max-new-tokens', '2'], 'model\\.safetensors$'],
    ['classify', ['classify', '--model', TINY_BASE, '--adapter', path.join(TINY_CLS, 'adapter_init'), '--data', texts, '--out', path.join(root, 'out.jsonl')],
      'adapter_model\\.safetensors$'],
  ];
  for (const [name, argv, at] of commands) {
    const r = spawnSync(process.execPath, ['--max-old-space-size=96', ...TS_LOADER, '--import', runnable(PRELOAD), BIN, ...argv],
      { encoding: 'utf8', env: { ...process.env, MT_HEAP_FULL_AT: at } });
    assert.equal(r.status, 2, `${name}: ${r.stderr}`);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error: '));
    assert.equal(errors.length, 1, `${name}: ${r.stderr}`);
    assert.match(errors[0]!, HEAP_FULL_LINE, name);
    assert.doesNotMatch(r.stderr, /FATAL ERROR|ERR_WORKER_OUT_OF_MEMORY|\n\s+at /, `${name}: no V8 fatal error, no stack`);
  }
  assert.deepEqual(fs.readdirSync(root).sort(), ['texts.jsonl'], 'classify left no --out file nor temporary');
});
