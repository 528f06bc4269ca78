// A full disk while saving best/ or a checkpoint: one line naming the file, exit 2, no stack trace; the
// previous best/ and checkpoint stay whole and no temporary file is left. The disk is a real 4 MiB tmpfs
// filled up where `mount` is allowed (root), else (or with MT_DISK_FULL_INJECT=1) writes to those files
// fail by an injected ENOSPC. The run that fails is a process of its own (the preload, MT_FAIL_WRITES read at its
// start); the runs before and after it are the CLI's main() in this process.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { listCheckpoints } from '../../src/train/checkpoint.ts';
import { FIXTURES, TINY_BASE } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { runnable, TS_LOADER } from '../node-args.ts';
import { cliIn } from '../cli/in-process-cli.ts';

const BIN = path.join(FIXTURES, '..', '..', 'bin', 'mistral-tune.js');
const PRELOAD = path.join(FIXTURES, '..', 'train', 'fail-writes.ts');
const DATA = path.join(FIXTURES, '..', '..', 'examples', 'tiny-eval.jsonl');
/** `mistral-tune train ARGS` run in this process (main(), the command thread kept: in-process-cli.ts), from its working folder. */
const train = (...args: string[]): ReturnType<typeof cliIn> => cliIn(process.cwd(), ['train', ...args]);

/** A 4 MiB tmpfs, or null where mounting is not permitted. */
function smallDisk(t: TestContext): string | null {
  const dir = tempDir('mt-diskfull-');
  if (process.env.MT_DISK_FULL_INJECT === '1') {
    t.diagnostic('MT_DISK_FULL_INJECT=1: using an injected ENOSPC');
    return null;
  }
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) {
    t.diagnostic(`mount -t tmpfs not permitted (${(r.stderr || String(r.error)).trim()}): using an injected ENOSPC`);
    return null;
  }
  t.diagnostic('using a real 4 MiB tmpfs');
  t.after(() => { spawnSync('umount', [dir]); });
  return dir;
}

/** Fills the disk of `dir` up to `free` bytes. */
function fill(dir: string, free: number): void {
  const st = fs.statfsSync(dir);
  fs.writeFileSync(path.join(dir, 'filler'), Buffer.alloc(Math.max(0, st.bavail * st.bsize - free)));
}

const files = (dir: string): Map<string, string> => new Map(fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort()
  .filter((f) => fs.statSync(path.join(dir, f)).isFile()).map((f) => [f, fs.readFileSync(path.join(dir, f)).toString('base64')]));

for (const failing of ['best', 'checkpoint'] as const) {
  test(`a full disk while saving ${failing === 'best' ? 'best/' : 'a checkpoint'}: one line naming the file, exit 2, the previous one kept`, { timeout: 60_000 }, async (t) => {
    const disk = smallDisk(t);
    const root = disk ?? tempDir('mt-diskfull-');
    fs.copyFileSync(DATA, path.join(root, 'train.jsonl'));
    const config = path.join(root, 'c.yaml');
    // with val (the training data itself, so val improves and best/ is saved at step 20) best/ is written
    // before the checkpoint of step 20; without val only the checkpoint is
    fs.writeFileSync(config, [`model: ${TINY_BASE}`, `data: {train: train.jsonl${failing === 'best' ? ', val: train.jsonl' : ''}}`,
      'optimizer: {lr: 1.0e-2}', 'batch_size: 1', 'max_steps: 20', 'eval: {every_steps: 10, samples: 0}',
      'checkpoint: {every_steps: 10, keep: 3}', 'output_dir: run'].join('\n') + '\n');
    const run = path.join(root, 'run');
    const first = await train(config);
    assert.equal(first.status, 0, first.stderr);
    // back to the checkpoint of step 10, so that --resume writes best/ and the checkpoint of step 20 again
    const [step10, step20] = listCheckpoints(run);
    fs.rmSync(step20!, { recursive: true });
    fs.rmSync(path.join(run, 'report.json')); // not finished: a finished run is left as it is
    const before = { checkpoint: files(step10!), best: failing === 'best' ? files(path.join(run, 'best')) : null };

    let preload: string[] = [];
    if (disk) fill(disk, 32 * 1024);
    else preload = [...TS_LOADER, '--import', runnable(PRELOAD)];
    // (the files are written in a temporary folder beside their place: .tmp-best-PID/, .tmp-step-0000020-PID/)
    const target = failing === 'best' ? '[-/]best[-/]' : 'step-0000020';
    const r = spawnSync(process.execPath, [...preload, BIN, 'train', config, '--resume'],
      { encoding: 'utf8', env: { ...process.env, MT_FAIL_WRITES: target } });
    assert.equal(r.status, 2, r.stderr);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error: '));
    assert.equal(errors.length, 1, r.stderr);
    const where = failing === 'best' ? path.join(run, 'best', 'adapter_model.safetensors') : path.join(run, 'checkpoints', 'step-0000020', 'state.safetensors');
    assert.equal(errors[0], `error: ${where}: cannot write: no space left on device (ENOSPC)`);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');

    assert.deepEqual(files(step10!), before.checkpoint, 'the checkpoint of step 10 is whole');
    if (before.best) assert.deepEqual(files(path.join(run, 'best')), before.best, 'the previous best/ is whole');
    assert.deepEqual(listCheckpoints(run), [step10], 'no partial checkpoint of step 20');
    const leftovers = fs.readdirSync(run, { recursive: true, encoding: 'utf8' }).filter((f) => /(^|\/)\.(tmp|old)-|\.tmp$|\.lock$/.test(f));
    assert.deepEqual(leftovers, [], 'no temporary folder, temporary file or lock left');
  });
}

test('a run stopped while writing loss_curve.svg (a full disk) is not finished: report.json goes last, so --resume trains it, not refuses it as done', { timeout: 60_000 }, async () => {
  const root = tempDir('mt-diskfull-');
  fs.copyFileSync(DATA, path.join(root, 'train.jsonl'));
  const config = path.join(root, 'c.yaml');
  fs.writeFileSync(config, [`model: ${TINY_BASE}`, 'data: {train: train.jsonl}', 'batch_size: 1', 'max_steps: 2', 'eval: {samples: 0}', 'output_dir: run'].join('\n') + '\n');
  const failed = spawnSync(process.execPath, [...TS_LOADER, '--import', runnable(PRELOAD), BIN, 'train', config],
    { encoding: 'utf8', env: { ...process.env, MT_FAIL_WRITES: 'loss_curve\\.svg' } });
  assert.equal(failed.status, 2, failed.stderr);
  assert.match(failed.stderr, /loss_curve\.svg: cannot write: no space left on device \(ENOSPC\)/);
  assert.equal(fs.existsSync(path.join(root, 'run', 'report.json')), false, 'the run did not finish');
  const resumed = await train(config, '--resume');
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.ok(fs.existsSync(path.join(root, 'run', 'report.json')) && fs.existsSync(path.join(root, 'run', 'loss_curve.svg')));
});
