// trainAsync (train-async.ts): the same run as train(), bit for bit, with the event loop free between optimizer steps;
// its AbortSignal stops a run at a step's end, leaving it resumable to the same weights as a run never stopped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { validate, type TrainConfig } from '../../src/train/config.ts';
import { train, type StepDone } from '../../src/train/trainer.ts';
import { trainAsync } from '../../src/train/train-async.ts';
import { isUserError } from '../../src/util/errors.ts';
import { setQuiet } from '../../src/util/log.ts';
import { Rng } from '../../src/util/rng.ts';
import { randomIdRows, TINY_BASE } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';

function config(dir: string, out: string): TrainConfig {
  const rows = randomIdRows(new Rng(5), 8, 10);
  fs.writeFileSync(path.join(dir, 'train.jsonl'), rows.join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'val.jsonl'), rows.slice(0, 2).join('\n') + '\n');
  return validate({
    model: TINY_BASE, data: { train: path.join(dir, 'train.jsonl'), val: path.join(dir, 'val.jsonl') }, lora: { r: 2, dropout: 0.1 }, batch_size: 2,
    max_steps: 4, optimizer: { lr: 1e-2 }, eval: { samples: 0, every_steps: 2 }, checkpoint: { every_steps: 1 }, output_dir: path.join(dir, out),
  }, 'test');
}

/** Runs `f` with the info lines and progress bars off, back on after it whatever it threw. */
async function quietly(f: () => Promise<void>): Promise<void> {
  setQuiet(true);
  try {
    await f();
  } finally {
    setQuiet(false);
  }
}

/** What a run computed: its metrics rows without the measured ones (speed, memory), and its adapter's bytes. */
function outcome(run: string): { metrics: unknown[]; adapter: Buffer } {
  const metrics = fs.readFileSync(path.join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => {
    const { tokens_per_s: _t, mem_bytes: _m, peak_mem_bytes: _p, mfu: _f, ...rest } = JSON.parse(l) as Record<string, unknown>;
    return rest;
  });
  return { metrics, adapter: fs.readFileSync(path.join(run, 'adapter', 'adapter_model.safetensors')) };
}

test('trainAsync trains what train() trains, bit for bit, and lets timers run between steps', () => quietly(async () => {
  const dir = tempDir('mt-train-async-');
  train(config(dir, 'sync'));
  let timerRan = false;
  const timer = setTimeout(() => { timerRan = true; }, 0); // due long before the first step ends (the model loads first)
  const seen: Array<StepDone & { timerRan: boolean; returned: boolean }> = [];
  let returned = false;
  const running = trainAsync(config(dir, 'async'), { onStep: (s) => seen.push({ ...s, timerRan, returned }) });
  returned = true; // trainAsync returned its promise before the run started (the caller sets up its abort, its server)
  const r = await running;
  assert.ok(seen.every((s) => s.returned), 'no step ran before trainAsync returned');
  clearTimeout(timer);
  assert.equal(r.steps, 4);
  assert.deepEqual(seen.map((s) => [s.step, s.totalSteps]), [[1, 4], [2, 4], [3, 4], [4, 4]]);
  assert.ok(seen.every((s) => typeof s.loss === 'number' && Number.isFinite(s.gradNorm)));
  assert.equal(seen.at(-1)!.timerRan, true, 'a timer due during the run ran before its last step (the event loop was not held)');
  const sync = outcome(path.join(dir, 'sync'));
  const async = outcome(path.join(dir, 'async'));
  assert.deepEqual(async.metrics, sync.metrics);
  assert.ok(async.adapter.equals(sync.adapter), 'the same adapter bytes');
}));

test('trainAsync: an aborted run stops at the step, unlocked, and resumes to the uninterrupted weights', () => quietly(async () => {
  const dir = tempDir('mt-train-async-abort-');
  train(config(dir, 'whole'));
  const cfg = config(dir, 'stopped');
  const ac = new AbortController();
  const steps: number[] = [];
  await assert.rejects(trainAsync(cfg, { signal: ac.signal, onStep: (s) => { steps.push(s.step); if (s.step === 2) ac.abort(); } }), { name: 'AbortError' });
  assert.deepEqual(steps, [1, 2]);
  assert.ok(!fs.existsSync(path.join(cfg.output_dir, 'report.json')), 'the run did not finish');
  // an error of onStep stops it the same way, with that error
  await assert.rejects(trainAsync(cfg, { resume: true, onStep: () => { throw new Error('callback failed'); } }), /callback failed/);
  // and a promise it returns is awaited: one that rejects stops it (it was left unhandled, the process ended by it)
  await assert.rejects(trainAsync(cfg, { resume: true, onStep: async () => { await new Promise((r) => setTimeout(r, 1)); throw new Error('async callback failed'); } }), /async callback failed/);
  const r = await trainAsync(cfg, { resume: true }); // the lock was released both times
  assert.equal(r.steps, 4);
  const whole = outcome(path.join(dir, 'whole'));
  assert.ok(outcome(cfg.output_dir).adapter.equals(whole.adapter), 'the resumed run ends with the uninterrupted weights');
}));

test('trainAsync refuses bad options by name before it starts', async () => {
  const dir = tempDir('mt-train-async-args-');
  const cfg = config(dir, 'run');
  const refused = async (opts: object, message: RegExp): Promise<void> => {
    await assert.rejects(trainAsync(cfg, opts as never), (e: unknown) => isUserError(e) && message.test(e.message));
  };
  await refused({ signal: {} }, /^trainAsync: options\.signal is an object: give an AbortSignal/);
  await refused({ onStep: 1 }, /^trainAsync: options\.onStep is 1: give a function/);
  await refused({ on_step: () => {} }, /^trainAsync: options\.on_step is no option: write options\.onStep/);
  await assert.rejects(trainAsync(cfg, { signal: AbortSignal.abort() }), { name: 'AbortError' });
  assert.ok(!fs.existsSync(cfg.output_dir), 'nothing was started');
});

test('trainAsync: a second run on a running one\'s output_dir is refused naming the library call that holds it, not a command', () => quietly(async () => {
  const dir = tempDir('mt-train-async-twice-');
  const cfg = config(dir, 'run');
  let second: unknown = null;
  // started once the first holds the folder: its onStep runs between the first's steps
  const first = trainAsync(cfg, { onStep: async (s) => { if (s.step === 1) second = await trainAsync(cfg).then(() => 'ran', (e: unknown) => e); } });
  assert.equal((await first).steps, 4);
  assert.ok(isUserError(second), `refused: ${String(second)}`);
  const message = (second as Error).message;
  assert.match(message, /: the run folder is in use by process \d+ on .* \(trainAsync\(\) of mistral-tune's library, since .*, a call of this thread that has not returned\): wait for it to finish, or choose another output_dir$/);
  assert.doesNotMatch(message, /mistral-tune train|delete/, 'no command that was not run, and no advice to delete a live lock of this process');
}));

test('trainAsync runs the config as it was called with: a caller changing its object for its next run changes no run already started', () => quietly(async () => {
  // the run started a turn after the call, with the object as changed since: both runs in the last output_dir, the first refused
  const dir = tempDir('mt-train-async-reused-');
  const cfg = config(dir, 'a');
  const runs: Array<Promise<number>> = [];
  for (const out of ['a', 'b']) {
    cfg.output_dir = path.join(dir, out);
    runs.push(trainAsync(cfg).then((r) => r.steps));
  }
  assert.deepEqual(await Promise.all(runs), [4, 4]);
  for (const out of ['a', 'b']) assert.ok(fs.existsSync(path.join(dir, out, 'adapter', 'adapter_model.safetensors')), out);
}));
