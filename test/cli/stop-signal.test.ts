// Ctrl-C (SIGINT) or SIGTERM in the middle of `train`, `prepare` or `quickstart` removes the temporaries the command
// was writing (a checkpoint's or adapter/'s temporary folder, an output file's temporary name) and its locks, then
// ends the process by that signal (130 / 143 in a shell); nothing that was there before is touched, the last complete
// checkpoint stays whole, and `train --resume` then gives what an uninterrupted run gives. Real processes, each sending
// itself the signal at a chosen write (test/export/signal-at-write.cjs).
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FIXTURES, TINY_BASE } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { leftovers, tree } from './leftovers.ts';
import { trainLikeCli } from '../train/train-like-cli.ts';
import { tinyLoraRun } from './tiny-lora-run.ts';

const ROOT = path.join(FIXTURES, '..', '..');
const BIN = path.join(ROOT, 'bin', 'mistral-tune.js');
const HOOK = path.join(ROOT, 'test', 'export', 'signal-at-write.cjs');
const NO_PROC = path.join(ROOT, 'test', 'cli', 'no-proc.cjs');
const READ_BARRIER = path.join(ROOT, 'test', 'cli', 'read-barrier.cjs');
const QA = path.join(ROOT, 'examples', 'data', 'countries-qa.jsonl');
/** What a LoRA run's complete checkpoint holds: the state, and the adapter of its step. */
const CHECKPOINT_FILES = ['.mistral-tune-written.json', 'README.md', 'adapter_config.json', 'adapter_model.safetensors', 'state.safetensors', 'trainer_state.json'];

/** The CLI, sent `signal` by itself at its first write under a path matching `at` (and again as `env` says: signal-at-write.cjs). */
function signalled(args: string[], at: string, signal: 'INT' | 'TERM', cwd?: string, env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, ['--require', HOOK, BIN, ...args], {
    cwd, encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env, MT_SIGNAL_AT: at, MT_SIGNAL: signal },
  });
}

const comparableRows = (run: string): string[] => fs.readFileSync(path.join(run, 'metrics.jsonl'), 'utf8').trim().split('\n')
  .map((l) => JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(l) as object).filter(([k]) => !['tokens_per_s', 'mem_bytes', 'peak_mem_bytes'].includes(k)))));

test('train stopped by SIGINT while writing a checkpoint, or SIGTERM while writing its final adapter, removes what it was writing and its lock; --resume then ends as an uninterrupted run', { timeout: 240_000 }, () => {
  const dir = tempDir('mt-train-signal-');
  const rows = Array.from({ length: 12 }, (_, i) => JSON.stringify({ input_ids: Array.from({ length: 10 + i }, (_, j) => 3 + ((i * 7 + j * 13) % 400)) }));
  fs.writeFileSync(path.join(dir, 'train.jsonl'), rows.join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'val.jsonl'), rows.slice(0, 3).join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'c.yaml'), [`model: ${TINY_BASE}`, 'data: {train: train.jsonl, val: val.jsonl}', 'lora: {r: 2}', 'batch_size: 2',
    'max_steps: 6', 'eval: {every_steps: 2, samples: 0}', 'checkpoint: {every_steps: 2, keep: 2}', 'seed: 5', 'output_dir: ref'].join('\n') + '\n');
  const cfg = path.join(dir, 'c.yaml');
  trainLikeCli(cfg); // the uninterrupted run, in this process: what the stopped and resumed ones must end as
  const ref = path.join(dir, 'ref');
  fs.writeFileSync(path.join(dir, 'mine.txt'), 'mine');

  for (const [name, at, signal, from] of [['int', '/\\.tmp-step-0000004-', 'INT', 2], ['term', '/\\.tmp-adapter-', 'TERM', 6]] as const) {
    const run = path.join(dir, name);
    const r = signalled(['train', cfg, '--output_dir', run], at, signal);
    assert.equal(r.signal, `SIG${signal}`, r.stderr);
    assert.deepEqual(leftovers(run), [], `SIG${signal}: no temporary or lock left`);
    assert.equal(fs.existsSync(path.join(run, 'report.json')), false, 'not finished');
    const checkpoints = fs.readdirSync(path.join(run, 'checkpoints'));
    assert.equal(checkpoints.at(-1), `step-000000${from}`, 'the last complete checkpoint is there');
    // the stop says what it kept and the command that goes on from it (the process ends by the signal: nothing else would)
    assert.match(r.stderr, new RegExp(`^train stopped by ${signal === 'INT' ? 'Ctrl-C' : 'SIGTERM'}: mistral-tune train ${run.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} --resume continues from its last checkpoint, step ${from} \\(checkpoints/step-000000${from}\\)$`, 'm'));
    assert.deepEqual(fs.readdirSync(path.join(run, 'checkpoints', checkpoints.at(-1)!)).sort(), CHECKPOINT_FILES);
    assert.equal(fs.readFileSync(path.join(dir, 'mine.txt'), 'utf8'), 'mine');
    const resumed = spawnSync(process.execPath, [BIN, 'train', cfg, '--output_dir', run, '--resume'], { encoding: 'utf8' });
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.match(resumed.stderr, new RegExp(`resume: from the checkpoint of step ${from}`));
    assert.deepEqual(comparableRows(run), comparableRows(ref));
    for (const f of ['adapter/adapter_model.safetensors', 'best/adapter_model.safetensors']) {
      assert.ok(fs.readFileSync(path.join(run, f)).equals(fs.readFileSync(path.join(ref, f))), `${f} as the uninterrupted run's`);
    }
  }
});

test('Ctrl-C at any moment of a long train: its progress shows while it trains, and SIGINT ends it by the signal with no temporary or lock left, its last checkpoint whole', { timeout: 120_000 }, async () => {
  const dir = tempDir('mt-train-ctrl-c-');
  fs.writeFileSync(path.join(dir, 'train.jsonl'), Array.from({ length: 8 }, (_, i) => JSON.stringify({ input_ids: [1, 5 + i, 9, 14, 20 + i, 7] })).join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'c.yaml'), [`model: ${TINY_BASE}`, 'data: {train: train.jsonl, val: train.jsonl}', 'lora: {r: 2}', 'batch_size: 1',
    'max_steps: 1000000', 'eval: {every_steps: 5, samples: 0}', 'checkpoint: {every_steps: 1, keep: 2}', 'output_dir: run'].join('\n') + '\n');
  const child = spawn(process.execPath, [BIN, 'train', 'c.yaml'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (/val @ step 10:/.test(stderr)) resolve(); // shown while it trains, not at its end
    });
    child.once('exit', () => reject(new Error(`exited before step 10:\n${stderr}`)));
  });
  child.kill('SIGINT');
  assert.equal(await exited, 'SIGINT', stderr);
  const run = path.join(dir, 'run');
  assert.deepEqual(leftovers(run), []);
  const last = fs.readdirSync(path.join(run, 'checkpoints')).at(-1)!;
  assert.deepEqual(fs.readdirSync(path.join(run, 'checkpoints', last)).sort(), CHECKPOINT_FILES);
});

test('prepare stopped by SIGTERM or SIGINT while writing its outputs removes their temporaries, its lock and the folders it made; an earlier prepare\'s outputs stay', { timeout: 120_000 }, () => {
  const dir = tempDir('mt-prepare-signal-');
  fs.copyFileSync(QA, path.join(dir, 'qa.jsonl'));
  const before = tree(dir);
  const fresh = signalled(['prepare', '--input', 'qa.jsonl', '--out', path.join(dir, 'new', 'deeper'), '--quiet'], 'train\\.jsonl\\.\\d+\\.0\\.tmp$', 'TERM', dir);
  assert.equal(fresh.signal, 'SIGTERM', fresh.stderr);
  assert.deepEqual(tree(dir), before, 'no temporary, lock, nor the folders made for --out');

  const out = path.join(dir, 'out');
  assert.equal(spawnSync(process.execPath, [BIN, 'prepare', '--input', 'qa.jsonl', '--out', out, '--quiet'], { cwd: dir, encoding: 'utf8' }).status, 0);
  fs.writeFileSync(path.join(out, 'mine.txt'), 'mine');
  const files = (): string[] => tree(out).map((f) => `${f} ${fs.statSync(path.join(out, f)).isFile() ? fs.readFileSync(path.join(out, f)).toString('base64') : ''}`);
  const earlier = files();
  const again = signalled(['prepare', '--input', 'qa.jsonl', '--out', out, '--seed', '9', '--quiet'], 'val\\.jsonl\\.\\d+\\.0\\.tmp$', 'INT', dir);
  assert.equal(again.signal, 'SIGINT', again.stderr);
  assert.deepEqual(files(), earlier, 'the earlier outputs and the file of the user\'s as they were; no temporary or lock');
});

test('prepare and train stopped by SIGTERM as they take their folder\'s lock (its temporary written, not yet in place), or prepare by Ctrl-C as it writes its pending record, remove that temporary too', { timeout: 120_000 }, (t) => {
  const at = trainAtBarrier('mt-stop-at-lock-');
  if (at === null) return t.skip('no mkfifo here');
  fs.copyFileSync(QA, path.join(at.dir, 'qa.jsonl'));
  // the work's thread writes the temporary; the main thread's clean-up named it with a tag of its own, and left it
  const lockTemp = { MT_SIGNAL_AFTER: '1' };
  const prepare = ['prepare', '--input', 'qa.jsonl', '--out', 'out', '--quiet'];
  for (const [args, out] of [[prepare, 'out'], [['train', 'c.yaml'], 'run']] as const) {
    const r = signalled([...args], '/\\.mistral-tune\\.lock\\.\\d+-[0-9a-f]+-\\d+\\.tmp$', 'TERM', at.dir, lockTemp);
    assert.equal(r.signal, 'SIGTERM', r.stderr);
    assert.deepEqual(fs.existsSync(path.join(at.dir, out)) ? leftovers(path.join(at.dir, out)) : [], [], `${args[0]}: no temporary or lock left`);
  }
  // prepare's record of the outputs it puts in place (.prepare-pending.json) is written as a temporary of another kind
  // (writeAtomic's .NAME.PID.N.tmp) than its outputs' (.NAME.PID.tmp), which alone its stop removed
  const r = signalled(prepare, '/\\.\\.prepare-pending\\.json\\.\\d+\\.\\d+\\.tmp$', 'INT', at.dir, lockTemp);
  assert.equal(r.signal, 'SIGINT', r.stderr);
  assert.deepEqual(fs.existsSync(path.join(at.dir, 'out')) ? leftovers(path.join(at.dir, 'out')) : [], [], 'prepare at its pending record: no temporary or lock left');
});

test('quickstart stopped by SIGINT while its run writes best/ removes the temporaries and locks of its folder, its data and its run', { timeout: 120_000 }, () => {
  const out = path.join(tempDir('mt-quickstart-signal-'), 'qs');
  const r = signalled(['quickstart', '--epochs', '1', '--out', out], '/\\.tmp-best-', 'INT');
  assert.equal(r.signal, 'SIGINT', r.stderr);
  assert.deepEqual(leftovers(out), []);
  const marker = JSON.parse(fs.readFileSync(path.join(out, '.mistral-tune-quickstart'), 'utf8')) as { complete: boolean; writing: string };
  assert.deepEqual([marker.complete, marker.writing], [false, 'run'], 'marked unfinished, in its run: the next quickstart replaces it');
});

const NOTICE = /^stopping \(SIGINT\): waiting for the call in progress \(a long write or computation\) to end, then removing what was being written; Ctrl-C again stops at once, leaving that for the next run to remove$/m;

/**
 * The CLI run with `args` in `cwd`, stopped by Ctrl-C at its first write under a path matching `at`, where its thread then
 * stays in a system call (opening `fifo`) until the test opens that FIFO: resolves once the stop's notice is printed.
 */
async function stoppedInSystemCall(t: TestContext, cwd: string, args: string[], at: string, fifo: string) {
  const child = spawn(process.execPath, ['--require', HOOK, BIN, ...args], {
    cwd, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, MT_SIGNAL_AT: at, MT_SIGNAL: 'INT', MT_BLOCK_FIFO: fifo },
  });
  // once its stderr is read to the end too
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('close', (_code, signal) => resolve(signal)));
  t.after(() => child.kill('SIGKILL')); // failed midway, it would stay blocked in its system call
  const out = { child, exited, stderr: '' };
  await new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => {
      out.stderr += d.toString();
      if (NOTICE.test(out.stderr)) resolve();
    });
    child.once('exit', (code, signal) => reject(new Error(`exited (${code ?? signal}) before the notice:\n${out.stderr}`)));
  });
  return out;
}

test('Ctrl-C while the work is in a system call that cannot be cut short: after a second a line says what is waited for; the call over, the train stops clean; a second Ctrl-C stops it at once, its lock removed', { timeout: 120_000 }, async (t) => {
  const dir = tempDir('mt-train-slow-stop-');
  fs.writeFileSync(path.join(dir, 'train.jsonl'), Array.from({ length: 4 }, (_, i) => JSON.stringify({ input_ids: [1, 5 + i, 9, 14, 20 + i, 7] })).join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'c.yaml'), [`model: ${TINY_BASE}`, 'data: {train: train.jsonl, val: train.jsonl}', 'lora: {r: 2}', 'batch_size: 2',
    'max_steps: 2', 'eval: {samples: 0}', 'output_dir: run'].join('\n') + '\n');
  const fifo = path.join(dir, 'fifo');
  if (spawnSync('mkfifo', [fifo]).status !== 0) return t.skip('no mkfifo here');
  for (const again of [false, true]) {
    fs.rmSync(path.join(dir, 'run'), { recursive: true, force: true });
    const stopped = await stoppedInSystemCall(t, dir, ['train', 'c.yaml'], '/\\.tmp-adapter-', fifo);
    const { child, exited } = stopped;
    if (again) {
      child.kill('SIGINT');
      assert.equal(await exited, 'SIGINT', stopped.stderr);
      fs.closeSync(fs.openSync(fifo, fs.constants.O_RDWR)); // the FIFO's reader is gone with the process: nothing to release
      // what it was writing is left for the next run to remove, as the README says; its lock, which it knew it left, is not
      const left = leftovers(path.join(dir, 'run'));
      assert.ok(left.some((p) => p.startsWith('.tmp-adapter-')), `the temporary it was writing stays: ${left.join(', ')}`);
      assert.deepEqual(left.filter((p) => p.startsWith('.mistral-tune.lock')), [], 'its lock is removed');
      assert.match(stopped.stderr, /\ntrain stopped by Ctrl-C before any checkpoint .*: mistral-tune train .* --resume starts it again from step 0\n$/, 'said as a first stop says it');
      continue;
    }
    // the system call returns; opened read-write, this never waits for a reader (a blocking open for writing with the
    // child gone would hang this whole process, out of reach of the test's timeout)
    fs.closeSync(fs.openSync(fifo, fs.constants.O_RDWR));
    assert.equal(await exited, 'SIGINT', stopped.stderr);
    assert.deepEqual(leftovers(path.join(dir, 'run')), [], 'what it was writing and its lock are removed');
  }
});

test('prepare stopped by a second Ctrl-C while the first waits for a system call: its lock is removed, the temporaries it was writing left', { timeout: 120_000 }, async (t) => {
  const dir = tempDir('mt-prepare-slow-stop-');
  fs.copyFileSync(QA, path.join(dir, 'qa.jsonl'));
  const fifo = path.join(dir, 'fifo');
  if (spawnSync('mkfifo', [fifo]).status !== 0) return t.skip('no mkfifo here');
  const { child, exited, stderr } = await stoppedInSystemCall(t, dir, ['prepare', '--input', 'qa.jsonl', '--out', 'out', '--quiet'], 'train\\.jsonl\\.\\d+\\.0\\.tmp$', fifo);
  child.kill('SIGINT');
  assert.equal(await exited, 'SIGINT', stderr);
  fs.closeSync(fs.openSync(fifo, fs.constants.O_RDWR));
  const left = leftovers(path.join(dir, 'out'));
  assert.ok(left.some((p) => /\.\d+\.tmp$/.test(p)), `the temporaries it was writing stay: ${left.join(', ')}`);
  assert.deepEqual(left.filter((p) => p.startsWith('.mistral-tune.lock')), [], 'its lock is removed');
});

test('export into a run folder stopped by a second Ctrl-C while the first waits for a system call: its hold of the run folder is removed', { timeout: 120_000 }, async (t) => {
  const dir = tempDir('mt-export-slow-stop-');
  const fifo = path.join(dir, 'fifo');
  if (spawnSync('mkfifo', [fifo]).status !== 0) return t.skip('no mkfifo here');
  const run = tinyLoraRun(dir);
  const { child, exited, stderr } = await stoppedInSystemCall(t, dir, ['export', '--run', run, '--out', path.join(run, 'exported')], '/\\.tmp-exported-', fifo);
  child.kill('SIGINT');
  assert.equal(await exited, 'SIGINT', stderr);
  fs.closeSync(fs.openSync(fifo, fs.constants.O_RDWR));
  assert.deepEqual(fs.readdirSync(run).filter((f) => f.startsWith('.mistral-tune.lock')), [], 'its hold (.mistral-tune.lock.export-…) is removed');
});

/**
 * The CLI run with `args` in `cwd`, sent Ctrl-C at its first read of a file matching `at` (read-barrier.cjs), which goes
 * on once the signal is sent: how it ended (its signal) and its stderr, once read to the end.
 */
async function stoppedAtRead(t: TestContext, cwd: string, args: string[], at: string, fifo: string, env: NodeJS.ProcessEnv = {}): Promise<{ signal: NodeJS.Signals | null; stderr: string }> {
  const child = spawn(process.execPath, ['--require', READ_BARRIER, BIN, ...args], {
    cwd, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env, MT_READ_AT: at, MT_READ_BARRIER: fifo },
  });
  t.after(() => child.kill('SIGKILL'));
  let stderr = '';
  const closed = new Promise<NodeJS.Signals | null>((resolve) => child.once('close', (_code, signal) => resolve(signal)));
  await new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('at the read barrier\n')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`exited (${code}) before the barrier:\n${stderr}`)));
  });
  child.kill('SIGINT'); // heard once the read is over (where a listener hears it), or at once
  const writer = fs.openSync(fifo, fs.constants.O_RDWR); // open until it ends: a later read (another thread's) goes through
  try {
    return { signal: await closed, stderr };
  } finally {
    fs.closeSync(writer);
  }
}

/** A folder with a FIFO (null where there is no mkfifo) and a tiny train's c.yaml, its run folder `run`. */
function trainAtBarrier(prefix: string): { dir: string; fifo: string } | null {
  const dir = tempDir(prefix);
  const fifo = path.join(dir, 'fifo');
  if (spawnSync('mkfifo', [fifo]).status !== 0) return null;
  fs.writeFileSync(path.join(dir, 'train.jsonl'), Array.from({ length: 4 }, (_, i) => JSON.stringify({ input_ids: [1, 5 + i, 9, 14, 20 + i, 7] })).join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'c.yaml'), [`model: ${TINY_BASE}`, 'data: {train: train.jsonl}', 'lora: {r: 2}', 'batch_size: 2',
    'max_steps: 2', 'eval: {samples: 0}', 'device: cpu', 'output_dir: run'].join('\n') + '\n');
  return { dir, fifo };
}

test('a second Ctrl-C while the first stop removes what train was writing: the removal ends, its lock is removed, and the process ends by the signal', { timeout: 120_000 }, (t) => {
  const at = trainAtBarrier('mt-stop-in-cleanup-');
  if (at === null) return t.skip('no mkfifo here');
  // before, the second signal met no listener (the stop's was gone) and ended the process in the middle of that removal,
  // leaving the lock and the temporary folder, with no last line
  const r = signalled(['train', 'c.yaml'], '/\\.tmp-adapter-', 'INT', at.dir, { MT_SIGNAL_AGAIN_AT: '/\\.tmp-adapter-' });
  assert.equal(r.signal, 'SIGINT', r.stderr);
  assert.deepEqual(leftovers(path.join(at.dir, 'run')), [], 'what it was writing and its lock are removed');
  assert.match(r.stderr, /\ntrain stopped by Ctrl-C before any checkpoint .*: mistral-tune train .* --resume starts it again from step 0\n$/);
});

test('where there is no /proc (each thread then tags its lock temporaries its own way), prepare stopped by SIGTERM as it takes its lock removes its thread\'s temporary, known by the owner record in it', { timeout: 120_000 }, () => {
  const dir = tempDir('mt-stop-at-lock-no-proc-');
  fs.copyFileSync(QA, path.join(dir, 'qa.jsonl'));
  const noProc = { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${NO_PROC}`.trim(), MT_SIGNAL_AFTER: '1' };
  const r = signalled(['prepare', '--input', 'qa.jsonl', '--out', 'out', '--quiet'], '/\\.mistral-tune\\.lock\\.\\d+-[0-9a-f]+-\\d+\\.tmp$', 'TERM', dir, noProc);
  assert.equal(r.signal, 'SIGTERM', r.stderr);
  // the main thread's clean-up, its tag not the work thread's, knows that temporary only by the process its record names
  assert.deepEqual(fs.existsSync(path.join(dir, 'out')) ? leftovers(path.join(dir, 'out')) : [], [], 'no temporary or lock left');
});

test('Ctrl-C while train starts, before its thread does (reading its config): its last line says so, and what to do', { timeout: 120_000 }, async (t) => {
  const at = trainAtBarrier('mt-stop-at-start-');
  if (at === null) return t.skip('no mkfifo here');
  // --dashboard: the check of its port turns the event loop before the thread starts, where only the start-up's listener
  // hears the signal; without it the thread's listener, put in place before the loop turns, takes the signal over
  for (const [args, last] of [[['--dashboard', '--port', '0'], /\ntrain stopped by Ctrl-C as it started, before it began its work \(nothing written\): run the same command again\n$/],
    [[], /\ntrain stopped by Ctrl-C before the run began \(while it set up: .*\): run the same command again to start it\n$/]] as const) {
    const { signal, stderr } = await stoppedAtRead(t, at.dir, ['train', 'c.yaml', ...args], '(^|/)c\\.yaml$', at.fifo);
    assert.equal(signal, 'SIGINT', stderr);
    assert.match(stderr, last);
    assert.equal(fs.existsSync(path.join(at.dir, 'run')), false, 'nothing written');
  }
});

test('Ctrl-C while train reads a config it then refuses: the refusal is said, and the process ends by the signal (130), not with the refusal\'s 2', { timeout: 120_000 }, async (t) => {
  const at = trainAtBarrier('mt-stop-at-refusal-');
  if (at === null) return t.skip('no mkfifo here');
  fs.appendFileSync(path.join(at.dir, 'c.yaml'), 'bogus_key: 1\n');
  // before, the signal was never heard (the start-up's listener gone with the error): exit 2, and a script that ran it went on
  const { signal, stderr } = await stoppedAtRead(t, at.dir, ['train', 'c.yaml'], '(^|/)c\\.yaml$', at.fifo);
  assert.equal(signal, 'SIGINT', stderr);
  assert.match(stderr, /\nerror: c\.yaml:\d+:\d+: unknown key "bogus_key"\n$/, 'the refusal is its last line');
});

test('Ctrl-C as a command started by another mistral-tune process (train --dashboard\'s dashboard) starts: it ends by it without a line of its own (it told of a command never run)', { timeout: 120_000 }, async (t) => {
  const at = trainAtBarrier('mt-stop-child-at-start-');
  if (at === null) return t.skip('no mkfifo here');
  const { signal, stderr } = await stoppedAtRead(t, at.dir, ['train', 'c.yaml', '--dashboard', '--port', '0'], '(^|/)c\\.yaml$', at.fifo, { MISTRAL_TUNE_PARENT_PID: String(process.pid) });
  assert.equal(signal, 'SIGINT', stderr);
  assert.doesNotMatch(stderr, /stopped by/);
});

test('Ctrl-C while train --dry-run tokenizes its data, or doctor probes, on the main thread: the process ends by it there, not once that work is done with 0', { timeout: 120_000 }, async (t) => {
  const at = trainAtBarrier('mt-stop-in-dry-run-');
  if (at === null) return t.skip('no mkfifo here');
  for (const [args, read] of [[['train', 'c.yaml', '--dry-run'], '(^|/)train\\.jsonl$'], [['doctor'], '(^|/)kernels[^/]*\\.wasm$']] as const) {
    const { signal, stderr } = await stoppedAtRead(t, at.dir, [...args], read, at.fifo);
    assert.equal(signal, 'SIGINT', `${args.join(' ')}: ${stderr}`);
    assert.doesNotMatch(stderr, /stopped by Ctrl-C as it started/, 'it had begun its work');
  }
});

test('SIGTERM while the work\'s thread opens the BLAS library (koffi) ends the process by SIGTERM once it is open, not by an abort (FATAL ERROR napi_throw, SIGABRT)', { timeout: 120_000 }, async (t) => {
  const dir = tempDir('mt-stop-at-load-');
  fs.writeFileSync(path.join(dir, 'train.jsonl'), Array.from({ length: 4 }, (_, i) => JSON.stringify({ input_ids: [1, 5 + i, 9, 14, 20 + i, 7] })).join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'c.yaml'), [`model: ${TINY_BASE}`, 'data: {train: train.jsonl}', 'lora: {r: 2}', 'batch_size: 2',
    'max_steps: 2', 'eval: {samples: 0}', 'device: cpu', 'output_dir: run'].join('\n') + '\n');
  // the first library tried is a FIFO: its dlopen waits, inside koffi's load, until the FIFO's writer closes it
  const fifo = path.join(dir, 'blas.fifo');
  if (spawnSync('mkfifo', [fifo]).status !== 0) return t.skip('no mkfifo here');
  const child = spawn(process.execPath, [BIN, 'train', 'c.yaml'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, MISTRAL_TUNE_BLAS: fifo } });
  t.after(() => child.kill('SIGKILL'));
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  let writer: number | null = null;
  while (writer === null) { // opens once the dlopen has the FIFO open for reading
    try {
      writer = fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENXIO') throw e;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
  child.kill('SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 300)); // the signal heard, the thread being stopped
  fs.closeSync(writer); // the dlopen fails (an empty file), koffi throws, the next library is opened
  assert.equal(await exited, 'SIGTERM', stderr);
  assert.doesNotMatch(stderr, /FATAL ERROR|napi_throw/);
  assert.equal(fs.existsSync(path.join(dir, 'run')), false, 'its lock is removed, and the folder the lock made');
  // stopped while it set up, its last line still says so, and how to go on (it was a progress line: "cpu backend: …")
  assert.match(stderr, /\ntrain stopped by SIGTERM before the run began \(while it set up: .*\): run the same command again to start it\n$/);
});
