// Every schedule.type against transformers' own get_scheduler, step by step (test/fixtures/hf-schedules.json, made by
// hf-schedules.py beside it), through the config as a run reads it; and the refusals of arguments a type does not take.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { loadTrainConfig } from '../../src/train/config.ts';
import { configRecord, resumeChanges } from '../../src/train/run-dir.ts';
import { planSteps } from '../../src/train/setup.ts';
import { lrAtStep, SCHEDULE_TYPES } from '../../src/train/schedule.ts';
import type { DataLoader } from '../../src/data/loader.ts';
import { file } from './config-file.ts';
import { captureStderr } from '../tokenizer/helpers.ts';

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'hf-schedules.json');
interface Case { type: string; warmup_steps: number; resolved_warmup: number; total: number; peak: number; kwargs: Record<string, number | string>; lrs: number[] }
const cases = (JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as { cases: Case[] }).cases;

const refusal = (text: string): string => {
  const f = file(`model: m\ndata: {train: t}\n${text}`);
  try {
    loadTrainConfig(f);
  } catch (e) {
    return (e as Error).message.replaceAll(f, 'c.yaml');
  }
  return 'accepted';
};

test("each schedule.type's learning rate of every step is transformers' get_scheduler's (lr_scheduler_kwargs as schedule keys)", () => {
  // every type offered has a case, and each of its arguments one that sets it
  assert.deepEqual([...new Set(cases.map((c) => c.type))].sort(), [...SCHEDULE_TYPES].sort());
  for (const c of cases) {
    const schedule = { type: c.type, warmup_steps: c.warmup_steps, ...c.kwargs };
    const cfg = loadTrainConfig(file(YAML.stringify({ model: 'm', data: { train: 't' }, max_steps: c.total, optimizer: { lr: c.peak }, schedule })));
    // (planSteps reads the loader's batches per epoch alone)
    const run = planSteps(cfg, { epochBatches: c.total } as DataLoader).schedule;
    const what = `${c.type} ${JSON.stringify(schedule)} over ${c.total} steps`;
    assert.equal(run.warmupSteps, c.resolved_warmup, what);
    c.lrs.forEach((hf, i) => {
      const ours = lrAtStep(run, c.peak, i + 1);
      assert.ok(Math.abs(ours - hf) <= 1e-12 * Math.abs(hf), `${what}: step ${i + 1}: ${ours}, transformers ${hf}`);
    });
  }
});

test('a schedule argument of another type, or out of its range, is refused at its line naming the key', () => {
  assert.equal(refusal('schedule: {type: linear, power: 2}\n'),
    'c.yaml:3:26: schedule.power: is an argument of schedule.type polynomial, not of linear (linear takes none)');
  assert.equal(refusal('schedule: {type: cosine, timescale: 2}\n'),
    'c.yaml:3:26: schedule.timescale: is an argument of schedule.type inverse_sqrt, not of cosine (cosine takes num_cycles)');
  assert.equal(refusal('schedule: {type: polynomial, min_lr: 1e-6}\n'),
    'c.yaml:3:30: schedule.min_lr: is an argument of schedule.type cosine_with_min_lr or cosine_warmup_with_min_lr, not of polynomial (polynomial takes lr_end, power)');
  // the default type, linear, takes none
  assert.match(refusal('schedule: {num_cycles: 2}\n'), /^c\.yaml:3:\d+: schedule\.num_cycles: is an argument of schedule\.type cosine, cosine_with_restarts, cosine_with_min_lr, cosine_warmup_with_min_lr or warmup_stable_decay, not of linear/);
  // one colon, after the key (a second, "is missing: …", read as a key of its own)
  assert.equal(refusal('schedule: {type: cosine_with_min_lr}\n'),
    'c.yaml:3:1: schedule.min_lr: is missing (cosine_with_min_lr takes exactly one of schedule.min_lr, a learning rate, and schedule.min_lr_rate, a fraction of optimizer.lr)');
  assert.match(refusal('schedule: {type: cosine_with_min_lr, min_lr: 1e-6, min_lr_rate: 0.1}\n'), /schedule\.min_lr_rate: is given with schedule\.min_lr \(cosine_with_min_lr takes exactly one/);
  // transformers' ValueError: lr_end must be below the initial lr (its default 1e-7 too)
  assert.match(refusal('optimizer: {lr: 1e-4}\nschedule: {type: polynomial, lr_end: 1e-4}\n'), /^c\.yaml:4:\d+: schedule\.lr_end: must be a learning rate from 0 to below the peak, optimizer\.lr 0\.0001/);
  assert.match(refusal('optimizer: {lr: 1e-8}\nschedule: {type: polynomial}\n'), /schedule\.lr_end: is 1e-7 \(transformers' default\), not below the peak, optimizer\.lr 1e-8/);
  assert.match(refusal('schedule: {type: cosine_with_min_lr, min_lr_rate: 1.5}\n'), /schedule\.min_lr_rate: must be a fraction of the peak learning rate, from 0 to 1 \(got 1\.5\)/);
  // num_cycles 0 is transformers' peak after the warmup (before: refused, "must be a number above 0"); below 0 is refused
  assert.equal(refusal('schedule: {type: cosine_with_restarts, num_cycles: 0}\n'), 'accepted');
  assert.match(refusal('schedule: {type: cosine, num_cycles: -0.5}\n'), /schedule\.num_cycles: must be a number, 0 or more \(got -0\.5\)/);
  assert.match(refusal('schedule: {type: inverse_sqrt, timescale: 2.5}\n'), /schedule\.timescale:/);
  assert.match(refusal('schedule: {type: polynomial, power: "2"}\n'), /schedule\.power:/);
  assert.equal(refusal('schedule: {type: polynomial, power: 2, lr_end: 1e-6}\n'), 'accepted');
  // null is the type's default, as leaving the key out (a flag's null unsets the file's)
  assert.equal(refusal('schedule: {type: linear, power: null}\n'), 'accepted');
});

test('a refused optimizer.lr, or a schedule argument out of its range, is said once: not again as a bound of the other', () => {
  // before: "optimizer.lr: must be more than 0 (got -1); …: schedule.lr_end: is 1e-7 …, not below the peak, optimizer.lr -1"
  assert.equal(refusal('optimizer: {lr: -1}\nschedule: {type: polynomial}\n'), 'c.yaml:3:13: optimizer.lr: must be more than 0 (got -1)');
  assert.equal(refusal('optimizer: {lr: 0}\nschedule: {type: cosine_with_min_lr, min_lr: 1e-6}\n'), 'c.yaml:3:13: optimizer.lr: must be more than 0 (got 0)');
  // an argument of another type is still refused beside it
  assert.match(refusal('optimizer: {lr: 0}\nschedule: {type: linear, power: 2}\n'), /optimizer\.lr: must be more than 0 \(got 0\); c\.yaml:4:\d+: schedule\.power: is an argument of schedule\.type polynomial/);
  // before: "schedule.timescale: must be at least 1 (got 0); schedule.timescale: must be a whole number of steps, at least 1 (got 0)"
  assert.equal(refusal('schedule: {type: inverse_sqrt, timescale: 0}\n'), 'c.yaml:3:32: schedule.timescale: must be a whole number of steps, at least 1 (got 0)');
  // a quoted number is told as anywhere else (these keys' schema is a transform, which the hint did not see through)
  assert.equal(refusal('schedule: {type: cosine, num_cycles: "2"}\n'), 'c.yaml:3:26: schedule.num_cycles: must be a number (got the string "2") (write it without quotes: YAML reads "2" as a string)');
  assert.equal(refusal('schedule: {type: warmup_stable_decay, num_decay_steps: 5, decay_type: sqrt}\n'), 'c.yaml:3:59: schedule.decay_type: must be one of linear, cosine, 1-sqrt (got "sqrt") (did you mean 1-sqrt?)');
  assert.equal(refusal('schedule: {type: inverse_sqrt, timescale: 2.5}\n'), 'c.yaml:3:32: schedule.timescale: must be a whole number of steps, at least 1 (got 2.5)');
  // transformers 5.17 takes num_decay_steps 0.2 over 10 steps as 0.2 of a step: the peak lr at every step, no decay
  assert.equal(refusal('schedule: {type: warmup_stable_decay, num_decay_steps: 0.2}\n'),
    "c.yaml:3:39: schedule.num_decay_steps: must be a whole number of steps, 0 or more (got 0.2): not a share of the run (transformers' get_wsd_schedule takes 0.2 as 0.2 of a step, so a decay of under one step); give its number of steps");
  // and num_stable_steps 0.5 as half a step (lr 1, 0.9755, 0.7939, … over 10 steps with num_decay_steps 5): no decay of under one step
  assert.equal(refusal('schedule: {type: warmup_stable_decay, num_decay_steps: 5, num_stable_steps: 0.5}\n'),
    "c.yaml:3:59: schedule.num_stable_steps: must be a whole number of steps, 0 or more (got 0.5): not a share of the run (transformers' get_wsd_schedule takes 0.5 as 0.5 of a step, so a stable phase of under one step); give its number of steps");
  assert.equal(refusal('schedule: {type: warmup_stable_decay, num_decay_steps: 2.5}\n'), 'c.yaml:3:39: schedule.num_decay_steps: must be a whole number of steps, 0 or more (got 2.5)');
});

test("constant with a warmup is warned of once at schedule.type's line: transformers' constant has none, constant_with_warmup is this schedule", () => {
  const warnings = (text: string): string[] => {
    const f = file(`model: m\ndata: {train: t}\n${text}`);
    const { stderr } = captureStderr(() => [loadTrainConfig(f), loadTrainConfig(f)]);
    return stderr.split('\n').filter((l) => l.startsWith('warning: ')).map((l) => l.replace(f, 'c.yaml'));
  };
  assert.deepEqual(warnings('schedule: {type: constant, warmup_steps: 5}\n'), [
    "warning: c.yaml:3:12: schedule.type: constant warms up over schedule.warmup_steps here, as transformers' constant_with_warmup does " +
    "(transformers' constant has no warmup): write constant_with_warmup, the same schedule, or warmup_steps: 0 for transformers' constant"]);
  assert.equal(warnings('schedule: {type: constant, warmup_steps: 0.1}\n').length, 1);
  // the schedule as before: the warmup still counts
  const cfg = quietLoad('schedule: {type: constant, warmup_steps: 2}\nmax_steps: 4\n');
  const run = planSteps(cfg, { epochBatches: 4 } as DataLoader).schedule;
  assert.deepEqual([1, 2, 3, 4].map((k) => lrAtStep(run, 1, k)), [0, 0.5, 1, 1]);
  for (const quiet of ['schedule: {type: constant}\n', 'schedule: {type: constant_with_warmup, warmup_steps: 5}\n', 'schedule: {type: linear, warmup_steps: 5}\n']) {
    assert.deepEqual(warnings(quiet), [], quiet);
  }
});

test("a schedule argument its schedule does not use as set (transformers ignores it) is warned of at its line", () => {
  const warnings = (text: string): string[] => {
    const f = file(`model: m\ndata: {train: t}\n${text}`);
    const { stderr } = captureStderr(() => loadTrainConfig(f));
    return stderr.split('\n').filter((l) => l.startsWith('warning: ')).map((l) => l.replace(f, 'c.yaml'));
  };
  assert.deepEqual(warnings('schedule: {type: warmup_stable_decay, warmup_steps: 2, num_decay_steps: 3, decay_type: linear, num_cycles: 2}\n'),
    ["warning: c.yaml:3:96: schedule.num_cycles: only a cosine decay has cycles, and decay_type is linear: it is not used (as in transformers)"]);
  assert.deepEqual(warnings('schedule: {type: warmup_stable_decay, num_decay_steps: 0, num_stable_steps: 4, num_cycles: 2}\n'),
    ["warning: c.yaml:3:80: schedule.num_cycles: num_decay_steps is 0, so there is no decay to shape: it is not used (as in transformers)"]);
  assert.deepEqual(warnings('schedule: {type: warmup_stable_decay, num_decay_steps: 0, decay_type: linear}\n'),
    ["warning: c.yaml:3:59: schedule.decay_type: num_decay_steps is 0, so there is no decay to shape: it is not used (as in transformers)"]);
  assert.deepEqual(warnings('schedule: {type: warmup_stable_decay, num_decay_steps: 3, warmup_type: cosine}\n'),
    ["warning: c.yaml:3:59: schedule.warmup_type: schedule.warmup_steps is 0, so there is no warmup to shape: it is not used (as in transformers)"]);
  assert.deepEqual(warnings('schedule: {type: cosine_warmup_with_min_lr, min_lr_rate: 0.1, warmup_lr_rate: 0.2}\n'),
    ["warning: c.yaml:3:63: schedule.warmup_lr_rate: schedule.warmup_steps is 0, so there is no warmup to start: it is not used (as in transformers)"]);
  for (const quiet of ['schedule: {type: warmup_stable_decay, warmup_steps: 2, num_decay_steps: 3, num_cycles: 2, warmup_type: 1-sqrt}\n',
    'schedule: {type: cosine_warmup_with_min_lr, warmup_steps: 0.1, min_lr_rate: 0.1, warmup_lr_rate: 0.2}\n', 'schedule: {type: cosine, num_cycles: 2}\n']) {
    assert.deepEqual(warnings(quiet), [], quiet);
  }
});

const quietLoad = (text: string) => captureStderr(() => loadTrainConfig(file(`model: m\ndata: {train: t}\n${text}`))).result;

test("transformers' schedules that are not offered say why", () => {
  assert.match(refusal('schedule: {type: reduce_lr_on_plateau}\n'), /schedule\.type: must be one of constant, constant_with_warmup, linear, .* \(got "reduce_lr_on_plateau"\): transformers' reduce_lr_on_plateau is not offered \(it lowers the rate when an evaluation's val loss stops improving, which this trainer does not: early_stopping\.patience ends a run whose val loss stalls\)$/);
  assert.match(refusal('schedule: {type: greedy}\n'), /transformers' greedy is not offered \(it follows the loss\)/);
});

test("warmup_stable_decay's and cosine_warmup_with_min_lr's arguments are refused as transformers' get_wsd_schedule and its min_lr schedules refuse them", () => {
  // transformers: get_wsd_schedule() missing 1 required positional argument: 'num_decay_steps'
  assert.equal(refusal('schedule: {type: warmup_stable_decay, warmup_steps: 2}\n'),
    "c.yaml:3:1: schedule.num_decay_steps: is missing (warmup_stable_decay needs the steps of its decay, as transformers' get_wsd_schedule does; its stable steps default to the rest of the run)");
  // transformers: Unknown decay type: exp, expected 'linear', 'cosine' or '1-sqrt'
  assert.match(refusal('schedule: {type: warmup_stable_decay, num_decay_steps: 3, decay_type: exp}\n'), /^c\.yaml:3:\d+: schedule\.decay_type: .*linear.*cosine.*1-sqrt/);
  assert.match(refusal('schedule: {type: warmup_stable_decay, num_decay_steps: 2.5}\n'), /schedule\.num_decay_steps: must be a whole number of steps, 0 or more \(got 2\.5\)/);
  assert.match(refusal('schedule: {type: warmup_stable_decay, num_decay_steps: 3, min_lr_ratio: 2}\n'), /schedule\.min_lr_ratio: must be a fraction of the peak learning rate, from 0 to 1 \(got 2\)/);
  assert.match(refusal('schedule: {type: cosine, decay_type: linear}\n'), /schedule\.decay_type: is an argument of schedule\.type warmup_stable_decay, not of cosine/);
  assert.equal(refusal('schedule: {type: cosine_warmup_with_min_lr}\n'),
    'c.yaml:3:1: schedule.min_lr: is missing (cosine_warmup_with_min_lr takes exactly one of schedule.min_lr, a learning rate, and schedule.min_lr_rate, a fraction of optimizer.lr)');
  assert.match(refusal('schedule: {type: cosine_with_min_lr, min_lr_rate: 0.1, warmup_lr_rate: 0.1}\n'), /schedule\.warmup_lr_rate: is an argument of schedule\.type cosine_warmup_with_min_lr, not of cosine_with_min_lr/);
  assert.equal(refusal('schedule: {type: warmup_stable_decay, num_decay_steps: 3, warmup_type: 1-sqrt, decay_type: null}\n'), 'accepted');
});

test('a bad lr_end is said with one pair of brackets, its value in the last', () => {
  // before: "… optimizer.lr 0.0001 (transformers refuses lr_end ≥ lr) (got 2e-4)"
  assert.equal(refusal('optimizer: {lr: 1e-4}\nschedule: {type: polynomial, lr_end: 2e-4}\n'),
    'c.yaml:4:30: schedule.lr_end: must be a learning rate from 0 to below the peak, optimizer.lr 0.0001, as transformers requires (got 2e-4)');
});

test('lrAtStep checks its schedule arguments', () => {
  const s = { type: 'polynomial', warmupSteps: 0, totalSteps: 10 } as const;
  assert.equal(lrAtStep({ ...s, kwargs: { power: 2, lr_end: 0 } }, 1, 6), 0.25);
  assert.throws(() => lrAtStep({ ...s, kwargs: { num_cycles: 2 } }, 1, 1), /^UserError: lrAtStep: schedule\.kwargs\.num_cycles is an argument of schedule\.type cosine, cosine_with_restarts, cosine_with_min_lr, cosine_warmup_with_min_lr or warmup_stable_decay, not of polynomial/);
  assert.throws(() => lrAtStep({ ...s, kwargs: { lr_end: 2 } }, 1, 1), /lrAtStep: schedule\.kwargs\.lr_end must be a learning rate from 0 to below the peak/);
  assert.throws(() => lrAtStep({ ...s, kwargs: { cycles: 2 } as never }, 1, 1), /lrAtStep: schedule\.kwargs\.cycles is no argument of a schedule/);
  assert.throws(() => lrAtStep({ ...s, kwargs: { power: '2' } as never }, 1, 1), /lrAtStep: schedule\.kwargs\.power is "2": give a number/);
  assert.throws(() => lrAtStep({ ...s, kwargs: 2 } as never, 1, 1), /lrAtStep: schedule\.kwargs is 2: give an object/);
  assert.throws(() => lrAtStep({ type: 'warmup_stable_decay', warmupSteps: 0, totalSteps: 10, kwargs: { num_decay_steps: 2, decay_type: 'exp' } } as never, 1, 1), /lrAtStep: schedule\.kwargs\.decay_type is "exp": give one of "linear", "cosine", "1-sqrt"/);
  assert.throws(() => lrAtStep({ ...s, type: 'wsd' } as never, 1, 1), /lrAtStep: schedule\.type is "wsd": give one of "constant", "constant_with_warmup"/);
});

test("a resume refuses a changed schedule argument as any schedule key; a run's config from before them is no change", () => {
  const record = (schedule: string): Record<string, unknown> => configRecord(loadTrainConfig(file(`model: /m\ndata: {train: /t}\nschedule: ${schedule}\n`)));
  // a checkpoint's config written before the arguments were keys: without them, as a config that leaves them out now
  const before = { ...record('{type: cosine}'), schedule: { type: 'cosine', warmup_steps: 0 } };
  assert.deepEqual(resumeChanges(before, record('{type: cosine}')), { refused: [], allowed: [] });
  assert.deepEqual(resumeChanges(record('{type: cosine}'), record('{type: cosine, num_cycles: 2}')).refused, ['schedule.num_cycles (none then, 2 now)']);
  assert.deepEqual(resumeChanges(record('{type: polynomial, power: 2}'), record('{type: polynomial, power: 3}')).refused, ['schedule.power (2 then, 3 now)']);
  assert.deepEqual(resumeChanges(record('{type: cosine}'), record('{type: cosine_with_restarts}')).refused, ['schedule.type ("cosine" then, "cosine_with_restarts" now)']);
});
