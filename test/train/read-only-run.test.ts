// A run folder made read-only while the run writes in it (chmod a-w, a remount): the run stops at its next write with
// that write's one line, and its lock, which it cannot remove either, is left with a warning for the next run to take
// over. The lock's removal (in a finally) threw EACCES over the write's error: Node's stack trace instead of the line.
// The folder's permissions cannot stop root (the tests may run as root), so the two writes fail by a patched fs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import fs from 'node:fs';
import * as path from 'node:path';
import { validate } from '../../src/train/config.ts';
import { LOCK_FILE } from '../../src/train/run-lock.ts';
import { train } from '../../src/train/trainer.ts';
import { isUserError } from '../../src/util/errors.ts';
import { withFsPatched } from '../fs-faults.ts';
import { deadPid, TINY_BASE } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { captureStderr } from '../tokenizer/helpers.ts';

const BIN = path.join(import.meta.dirname, '..', '..', 'bin', 'mistral-tune.js');

const denied = (syscall: string, file: string): Error =>
  Object.assign(new Error(`EACCES: permission denied, ${syscall} '${file}'`), { code: 'EACCES', errno: -13, syscall, path: file });

test('a run folder made read-only mid-run: the failed write\'s one line, not the lock removal\'s EACCES; the lock left with a warning', () => {
  const dir = tempDir('mt-read-only-run-');
  const rows = Array.from({ length: 4 }, (_, i) => JSON.stringify({ input_ids: [1, 5 + i, 9, 12 + i, 7] }));
  fs.writeFileSync(path.join(dir, 'train.jsonl'), rows.join('\n') + '\n');
  const run = path.join(dir, 'run');
  const cfg = validate({
    model: TINY_BASE, data: { train: path.join(dir, 'train.jsonl') }, batch_size: 1, max_steps: 4,
    checkpoint: { every_steps: 2 }, lora: { r: 2, alpha: 4 }, eval: { samples: 0 }, output_dir: run,
  }, 'test');
  const metrics = path.join(run, 'metrics.jsonl'), lock = path.join(run, LOCK_FILE);
  const readOnly = (): boolean => fs.existsSync(path.join(run, 'checkpoints', 'step-0000002')); // from step 2's checkpoint on
  const { openSync, rmSync } = fs;
  const { error, stderr } = withFsPatched({
    openSync: ((file: fs.PathLike, ...rest: unknown[]) => { // metrics-log.ts opens the file for each row it appends
      if (file === metrics && readOnly()) throw denied('open', metrics);
      return (openSync as (...a: unknown[]) => number)(file, ...rest);
    }) as typeof fs.openSync,
    rmSync: ((file: fs.PathLike, ...rest: unknown[]) => {
      if (file === lock && readOnly()) throw denied('unlink', lock);
      return (rmSync as (...a: unknown[]) => void)(file, ...rest);
    }) as typeof fs.rmSync,
  }, () => train(cfg));
  assert.ok(isUserError(error), String((error as Error | undefined)?.stack ?? error));
  assert.equal((error as Error).message, `${metrics}: cannot write: permission denied (EACCES)`);
  assert.match(stderr, new RegExp(`warning: ${lock.replace(/[.]/g, '\\.')}: cannot remove: permission denied \\(EACCES\\): the run folder's lock is left; the next run takes it over, as its process will have ended`));
  assert.ok(fs.existsSync(lock), 'the lock is left');
  fs.rmSync(lock); // as the next run takes it over (this process, its owner, still runs)
});

test('--resume of a finished run on a read-only mount says it is complete and exits 0: its lock, which cannot be written, is not needed, nor the repair of a swap an earlier run left', (t) => {
  const dir = tempDir('mt-read-only-done-');
  fs.writeFileSync(path.join(dir, 'train.jsonl'), JSON.stringify({ input_ids: [1, 5, 9, 12, 7] }) + '\n');
  const run = path.join(dir, 'run');
  const cfg = validate({ model: TINY_BASE, data: { train: path.join(dir, 'train.jsonl') }, batch_size: 1, max_steps: 1, lora: { r: 2, alpha: 4 }, eval: { samples: 0 }, output_dir: run }, 'test');
  captureStderr(() => train(cfg));
  // adapter/'s old copy that a process killed before it retired it left moved aside: a run that can write removes it;
  // here its removal failed the resume (before: ".old-adapter-PID: cannot repair the interrupted write of …: read-only file system (EROFS)")
  fs.cpSync(path.join(run, 'adapter'), path.join(run, `.old-adapter-${deadPid()}`), { recursive: true });
  const before = fs.readdirSync(run).sort();
  // a real read-only mount where this process may mount (root, whom permissions do not stop), else the folder's permissions
  if (process.getuid?.() === 0) {
    const bind = spawnSync('mount', ['--bind', run, run], { encoding: 'utf8' });
    if (bind.status !== 0) return t.skip(`mount --bind not permitted (${(bind.stderr || String(bind.error)).trim()})`);
    t.after(() => { spawnSync('umount', [run]); });
    if (spawnSync('mount', ['-o', 'remount,bind,ro', run]).status !== 0) return t.skip('remounting read-only is not permitted');
  } else {
    fs.chmodSync(run, 0o555);
    t.after(() => { fs.chmodSync(run, 0o755); });
  }
  const { result, stderr } = captureStderr(() => train(cfg, { resume: true }));
  assert.equal(result.alreadyComplete, true);
  assert.equal(stderr, `run ${run} is already complete (step 1 of 1); nothing to do\n`);
  assert.deepEqual(fs.readdirSync(run).sort(), before, 'nothing written');
});

/** A finished run in a new folder, trained as nobody when root (a folder made its own; permissions do not stop root); null where nobody cannot train here (said in `skip`). */
function finishedRun(prefix: string, skip: (why: string) => void): { run: string; overwrite: () => SpawnSyncReturns<string>; tree: () => string[] } | null {
  const dir = tempDir(prefix);
  fs.writeFileSync(path.join(dir, 'train.jsonl'), JSON.stringify({ input_ids: [1, 5, 9, 12, 7] }) + '\n');
  const yaml = path.join(dir, 'c.yaml');
  fs.writeFileSync(yaml, `model: ${TINY_BASE}\ndata: { train: train.jsonl }\nbatch_size: 1\nmax_steps: 1\nlora: { r: 2, alpha: 4 }\n` +
    'eval: { samples: 0 }\ncheckpoint: { every_steps: 1 }\noutput_dir: run\n');
  const run = path.join(dir, 'run');
  const asNobody = process.getuid?.() === 0;
  if (asNobody) spawnSync('chown', ['-R', '65534:65534', dir]);
  const cli = (...args: string[]) => spawnSync(process.execPath, [BIN, 'train', yaml, ...args], { cwd: dir, encoding: 'utf8', ...(asNobody ? { uid: 65534, gid: 65534 } : {}) });
  const first = cli();
  // only nobody's train may be impossible here (the checkout or the temp folder out of its reach): said; anyone else's failing is a failure
  const why = first.error?.message ?? first.stderr.trim().split('\n').at(-1);
  if (asNobody && first.status !== 0) {
    skip(`cannot train as nobody (uid 65534) here: ${why}`);
    return null;
  }
  assert.equal(first.status, 0, first.stderr);
  const tree = (): string[] => fs.readdirSync(run, { recursive: true, encoding: 'utf8' }).sort();
  assert.ok(tree().includes('adapter') && tree().some((f) => f.startsWith('checkpoints/step-')), tree().join(' '));
  return { run, overwrite: () => cli('--overwrite'), tree };
}

/** The line of an --overwrite that the folder `folder` refuses, deleting nothing: up to its advice. */
const refusedIn = (folder: string, why: string): RegExp =>
  new RegExp(`\\nerror: ${folder}: the earlier run's files in it cannot be deleted \\(${why}\\), so --overwrite deleted nothing: `);

test('--overwrite of a run one of whose folders is read-only (checkpoints/) deletes nothing: it says which folder, and the earlier run is whole', (t) => {
  const at = finishedRun('mt-overwrite-read-only-', (why) => t.skip(why));
  if (at === null) return;
  const before = at.tree();
  fs.chmodSync(path.join(at.run, 'checkpoints'), 0o555);
  t.after(() => { fs.chmodSync(path.join(at.run, 'checkpoints'), 0o755); });
  const again = at.overwrite();
  assert.equal(again.status, 2, again.stderr);
  // before, it deleted adapter/ (and best/) and then failed at checkpoints/ with "cannot empty the earlier run in: permission denied"
  assert.match(again.stderr, refusedIn(path.join(at.run, 'checkpoints'), 'no write permission'));
  assert.deepEqual(at.tree(), before, 'the earlier run is whole');
});

test('--overwrite of a run whose checkpoints/ is sticky (chmod +t) and another user\'s, a checkpoint in it that user\'s too: it deletes nothing, saying which', (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root: a folder and a checkpoint of another user than the one who trains');
  const at = finishedRun('mt-overwrite-sticky-', (why) => t.skip(why));
  if (at === null) return;
  const checkpoints = path.join(at.run, 'checkpoints'), step = path.join(checkpoints, 'step-0000001');
  for (const d of [checkpoints, step]) fs.chownSync(d, 1, 1); // daemon's: nobody may not remove step-0000001/ from a sticky folder
  fs.chmodSync(checkpoints, 0o1777);
  fs.chmodSync(step, 0o777);
  const before = at.tree();
  const again = at.overwrite();
  assert.equal(again.status, 2, again.stderr);
  // before, access() said it may write there: it deleted adapter/ and the checkpoint's files, then failed (EPERM) at the folder
  assert.match(again.stderr, refusedIn(checkpoints, 'step-0000001/ is another user\'s, and the folder sticky \\(chmod \\+t\\): only its owner may delete it'));
  assert.deepEqual(at.tree(), before, 'the earlier run is whole');
});
