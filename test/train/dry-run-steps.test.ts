// `train --dry-run` states what the run will do besides its memory: the optimizer steps (as setupRun counts them: epochs,
// max_steps, grad_accum, packing), the schedule, evaluations and checkpoints, and what train does with output_dir
// (new, empty, emptied by --overwrite, or refused, in train's own words); it said nothing of these before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { validate } from '../../src/train/config.ts';
import { readYamlMapping } from '../../src/train/config-yaml.ts';
import { describeDryRun, dryRun, dryRunJson } from '../../src/train/dry-run.ts';
import { train } from '../../src/train/trainer.ts';
import { earlyStoppingWarning, setupRun } from '../../src/train/setup.ts';
import { setQuiet } from '../../src/util/log.ts';
import { Rng } from '../../src/util/rng.ts';
import { FIXTURES, TINY_BASE, literal } from '../helpers.ts';
import { captureStderr, quietly } from '../tokenizer/helpers.ts';
import { tempDir } from '../temp-dir.ts';

const dir = tempDir('mt-dry-steps-');
const ROOT = path.join(FIXTURES, '..', '..');
const rng = new Rng(3);
const rows = Array.from({ length: 23 }, () => JSON.stringify({ input_ids: [1, ...Array.from({ length: 4 + rng.below(20) }, () => 3 + rng.below(500))] }));
fs.writeFileSync(path.join(dir, 'train.jsonl'), rows.join('\n') + '\n');
fs.writeFileSync(path.join(dir, 'val.jsonl'), rows.slice(0, 3).join('\n') + '\n');
const BASE = { model: TINY_BASE, data: { train: path.join(dir, 'train.jsonl') }, batch_size: 2, eval: { samples: 0 }, device: 'cpu', output_dir: path.join(dir, 'run') };

test('the dry run counts the steps as the run does, and says them with the schedule in one line', () => {
  setQuiet(true);
  try {
    for (const extra of [{ epochs: 2 }, { grad_accum: 3, epochs: 3 }, { max_steps: 5, schedule: { warmup_steps: 0.4 } }, { packing: true, max_seq_len: 40, epochs: 2 }]) {
      const cfg = validate({ ...BASE, ...extra }, 'test');
      const planned = dryRun(cfg);
      const run = setupRun(cfg);
      run.backend.close?.();
      assert.deepEqual([planned.steps.totalSteps, planned.steps.stepsPerEpoch, planned.steps.schedule.warmupSteps],
        [run.totalSteps, run.stepsPerEpoch, run.schedule.warmupSteps], JSON.stringify(extra));
    }
    const lines = describeDryRun(dryRun(validate({ ...BASE, grad_accum: 3, epochs: 3 }, 'test')), validate({ ...BASE, grad_accum: 3, epochs: 3 }, 'test')).split('\n');
    assert.ok(lines.includes('run: 12 optimizer steps (3 epochs of 4 steps): 23 examples, micro-batches of 2, 3 a step; linear schedule to lr 0.0002; no val data; no checkpoints'), lines.join('\n'));
    // counts in digits grouped, a step or an epoch in the singular
    const long = validate({ ...BASE, epochs: 1000, batch_size: 1000 }, 'test');
    assert.match(describeDryRun(dryRun(long), long), /^run: 1,000 optimizer steps \(1,000 epochs of 1 step\): 23 examples, micro-batches of 1,000 \(the real batch is 23: batch_size 1,000 is more than the 23 training examples\);/m);
    // packed and shuffled, a billion epochs are counted without planning each (it hung): the rows are packed once, so
    // every epoch has the first's steps
    const packed = validate({ ...BASE, packing: true, max_seq_len: 40, epochs: 1e9, batch_size: 1000 }, 'test');
    assert.match(describeDryRun(dryRun(packed), packed), /^run: 1,000,000,000 optimizer steps \(1,000,000,000 epochs of 1 step\)/m);
    const steps = dryRun({ ...packed, batch_size: 2 }).steps;
    assert.equal(steps.totalSteps, 1e9 * steps.stepsPerEpoch);
    // epochs × steps past 2^53 (9e15 epochs of 12 steps) is no exact count: refused by the key, as the run refuses it
    assert.throws(() => dryRun(validate({ ...BASE, epochs: 9e15 }, 'test')), /^UserError: epochs: 9000000000000000 epochs of 12 steps is 108,000,000,000,000,000 optimizer steps, past 2\^53 − 1/);
    const one = validate({ ...BASE, max_steps: 1, batch_size: 1000 }, 'test');
    assert.match(describeDryRun(dryRun(one), one), /^run: 1 optimizer step \(max_steps, 1 epoch of 1 step\):/m);
    const capped = validate({ ...BASE, max_steps: 5, schedule: { type: 'cosine', warmup_steps: 0.4 } }, 'test');
    assert.match(describeDryRun(dryRun(capped), capped), /^run: 5 optimizer steps \(max_steps, 5 of an epoch's 12 steps\): .*; cosine schedule to lr 0\.0002, warmup 2 steps;/m);
    // the schedule's arguments that are set, by their names in its type's order (before: "polynomial schedule to lr 0.0002" alone)
    const withArgs = validate({ ...BASE, max_steps: 5, schedule: { type: 'polynomial', lr_end: 1e-6, power: 2 } }, 'test');
    assert.match(describeDryRun(dryRun(withArgs), withArgs), /; polynomial schedule \(lr_end 0\.000001, power 2\) to lr 0\.0002;/m);
    const restarts = validate({ ...BASE, max_steps: 5, schedule: { type: 'cosine_with_restarts', num_cycles: 2.5, warmup_steps: 1 } }, 'test');
    assert.match(describeDryRun(dryRun(restarts), restarts), /; cosine_with_restarts schedule \(num_cycles 2\.5\) to lr 0\.0002, warmup 1 step;/m);
    const floor = validate({ ...BASE, max_steps: 5, schedule: { type: 'cosine_with_min_lr', min_lr_rate: 0.1 } }, 'test');
    assert.match(describeDryRun(dryRun(floor), floor), /; cosine_with_min_lr schedule \(min_lr_rate 0\.1\) to lr 0\.0002;/m);
    // max_steps past whole epochs says the steps beyond them: the epochs rounded to 2 digits misstated the run
    // (1,201 steps were "100 epochs of 12 steps", 1,200; 25 steps "2.1 epochs")
    const said = (max_steps: number): string => {
      const c = validate({ ...BASE, max_steps }, 'test');
      return /^run: [\d,]+ optimizer steps? \(([^)]*)\)/m.exec(describeDryRun(dryRun(c), c))![1]!;
    };
    assert.deepEqual([said(1201), said(1234), said(25), said(24), said(11)],
      ['max_steps, 100 epochs of 12 steps and 1 step more', 'max_steps, 102 epochs of 12 steps and 10 steps more', 'max_steps, 2 epochs of 12 steps and 1 step more',
        'max_steps, 2 epochs of 12 steps', "max_steps, 11 of an epoch's 12 steps"]);
  } finally {
    setQuiet(false);
  }
});

test('the dry run says what train does with output_dir, as train decides it, making nothing', () => {
  setQuiet(true);
  try {
    const cfg = validate(BASE, 'test');
    assert.equal(dryRun(cfg).output, 'new');
    fs.mkdirSync(cfg.output_dir);
    assert.equal(dryRun(cfg).output, 'empty');
    fs.writeFileSync(path.join(cfg.output_dir, 'notes.md'), 'mine');
    // a folder train did not make: --overwrite and --resume would refuse it too, so neither is offered
    assert.match(dryRun(cfg).output, /^refused: exists and is not empty, and is not a run directory made by mistral-tune train \(no \.mistral-tune-run in it\): choose another output_dir \(--overwrite and --resume take only runs\)$/);
    assert.match(dryRun(cfg, { overwrite: true }).output, /^refused: is not empty and is not a run directory made by mistral-tune train/);
    fs.writeFileSync(path.join(cfg.output_dir, '.mistral-tune-run'), '{}');
    fs.rmSync(path.join(cfg.output_dir, 'notes.md'));
    // the run's own config (JSON is YAML): a finished run's config.yaml that differs is an edit --resume refuses
    fs.writeFileSync(path.join(cfg.output_dir, 'config.yaml'), JSON.stringify(cfg) + '\n');
    assert.match(dryRun(cfg).output, /^refused: exists and is not empty: choose another output_dir, or pass --overwrite \(or --resume to continue it\)$/);
    assert.equal(dryRun(cfg, { overwrite: true }).output, 'emptied first (--overwrite)');
    assert.equal(dryRun(cfg, { resume: true }).output, 'continued from its newest valid checkpoint (--resume)');
    fs.writeFileSync(path.join(cfg.output_dir, 'report.json'), '{}');
    assert.equal(dryRun(cfg, { resume: true }).output, 'a complete run: --resume does nothing (--overwrite trains it again)');
    fs.rmSync(path.join(cfg.output_dir, 'report.json'));
    assert.match(dryRun({ ...cfg, output_dir: path.join(dir, 'nowhere') }, { resume: true }).output, /^refused: cannot resume: the run folder does not exist$/);
    // printed after "output_dir: DIR: ": not "output_dir" again ("refused: output_dir exists and is not a folder" before)
    const file = path.join(dir, 'a-file.txt');
    fs.writeFileSync(file, 'mine');
    assert.equal(dryRun({ ...cfg, output_dir: file }).output, 'refused: exists and is not a folder: choose another output_dir');
    assert.ok(fs.existsSync(path.join(cfg.output_dir, 'config.yaml')), 'nothing emptied');
    assert.match(describeDryRun(dryRun(cfg, { overwrite: true }), cfg), new RegExp(`^output_dir: ${literal(cfg.output_dir)}: emptied first \\(--overwrite\\)$`, 'm'));
  } finally {
    setQuiet(false);
  }
});

test('the dry run gives the warnings training gives: settings that are not used are said, never silently ignored', () => {
  const warnings = (extra: Record<string, unknown>): string[] => {
    const lines: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => (lines.push(String(chunk)), true)) as typeof process.stderr.write;
    setQuiet(true);
    try {
      dryRun(validate({ ...BASE, ...extra }, 'test'));
    } finally {
      process.stderr.write = write;
      setQuiet(false);
    }
    // the fixture model has no tokenizer of its size (its data is pre-tokenized): said on every run
    return lines.filter((l) => l.startsWith('warning: ') && !l.includes('tokenizer')).map((l) => l.trim());
  };
  assert.deepEqual(warnings({}), []);
  // were taken without a word: labels of a generation run, min_delta with early stopping off
  assert.deepEqual(warnings({ labels: ['a', 'b'] }), ['warning: labels is set but the task is generation: class names are not used (task: classification trains a classifier)']);
  assert.deepEqual(warnings({ early_stopping: { min_delta: 0.1 } }),
    ['warning: early_stopping.min_delta is set but early_stopping.patience is null (off): it is not used (best/ keeps any lower val loss)']);
  assert.match(warnings({ max_steps: 3, schedule: { warmup_steps: 5 } }).join('\n'), /schedule\.warmup_steps 5 ≥ the run's 3 steps/);
  assert.deepEqual(warnings({ checkpoint: { keep: 5 } }),
    ['warning: checkpoint.keep 5 is set but checkpoint.every_steps is null (off): no checkpoint is written, so it is not used']);
  assert.deepEqual(warnings({ checkpoint: { keep: 5, every_steps: 4 } }), []);
  assert.deepEqual(warnings({ eval: { batch_size: 2 } }), ['warning: eval.batch_size 2 is set but there is no data.val or data.test: nothing is evaluated, so it is not used']);
  assert.deepEqual(warnings({ eval: { batch_size: 2 }, data: { ...BASE.data, test: path.join(dir, 'val.jsonl') } }), [], 'the test split is evaluated with it');
  assert.deepEqual(warnings({ max_steps: 3, epochs: 2 }), ["warning: epochs 2 is set but max_steps 3 decides the run's length (it wins), so epochs is not used"]);
  // legal but surely not meant: a step never crosses an epoch's end, so grad_accum past an epoch's micro-batches was
  // silently cut to them; evaluations every more steps than the run has happen only at its ends
  assert.deepEqual(warnings({ grad_accum: 1e6 }), ["warning: grad_accum 1000000 is more than an epoch's 12 micro-batches, and a step ends with its epoch: " +
    'each step accumulates 12 at most (set grad_accum to 12 or less, or raise batch_size)']);
  assert.deepEqual(warnings({ max_steps: 5, eval: { samples: 0, every_steps: 50 }, data: { ...BASE.data, val: path.join(dir, 'val.jsonl') } }),
    ["warning: eval.every_steps 50 > the run's 5 steps: val is evaluated only at step 0 and the last step"]);
  // early stopping whose patience runs out no sooner than the last step was taken without a word: 12 steps an epoch here
  const val = { ...BASE.data, val: path.join(dir, 'val.jsonl') };
  const never = "patience runs out no sooner than the run's last step, so early stopping never ends the run early";
  // step 0's evaluation is a baseline: patience counts from the first after it (12 = (2 + 1) × 4 was taken as 2 × 4 < 12)
  const counted = (p: number): string => `(early_stopping.patience ${p} + 1, the first evaluation after step 0 setting the best loss)`;
  assert.deepEqual(warnings({ max_steps: 12, eval: { samples: 0, every_steps: 4 }, early_stopping: { patience: 2 }, data: val }),
    [`warning: ${counted(2)} × eval.every_steps 4 = 12 ≥ the run's 12 steps: ${never} (lower early_stopping.patience or eval.every_steps)`]);
  assert.deepEqual(warnings({ epochs: 2, early_stopping: { patience: 1 }, data: val }),
    [`warning: ${counted(1)} ≥ epochs 2, and val is evaluated at each epoch's end (eval.every_steps is null): ${never} (lower early_stopping.patience, or set eval.every_steps)`]);
  assert.deepEqual(warnings({ max_steps: 20, early_stopping: { patience: 1 }, data: val }),
    [`warning: ${counted(1)} × 12 steps an epoch (val is evaluated at each epoch's end, eval.every_steps being null) ≥ max_steps 20: ${never} (lower early_stopping.patience, or set eval.every_steps)`]);
  assert.deepEqual(warnings({ early_stopping: { patience: 1 } }), ['warning: early_stopping.patience is set but there is no data.val: early stopping never triggers']);
  // the example config on the data its header prepares (the bundled countries Q&A: 1,003 train examples, 4 × 4 a step,
  // 63 steps an epoch, 2 epochs) was warned: patience 3 × every 50 steps ≥ its 126 steps (its every 40 steps and patience 2: 120)
  const example = validate({ ...readYamlMapping(path.join(ROOT, 'examples', 'train-lora.yaml')), model: TINY_BASE, data: val }, 'test');
  assert.equal(Math.ceil(Math.ceil(1003 / example.batch_size) / example.grad_accum) * example.epochs, 126);
  assert.equal(earlyStoppingWarning(example, 63, 126), null);
  // and at train start, as the run's setup gives it
  const setup = captureStderr(() => quietly(() => setupRun(validate({ ...BASE, epochs: 2, early_stopping: { patience: 1 }, data: val }, 'test')).backend.close?.()));
  assert.match(setup.stderr, /^warning: \(early_stopping\.patience 1 \+ 1, the first evaluation after step 0 setting the best loss\) ≥ epochs 2, and val is evaluated at each epoch's end/m);
  // patience that can run out before the last step is not warned
  assert.deepEqual([...warnings({ max_steps: 13, eval: { samples: 0, every_steps: 4 }, early_stopping: { patience: 2 }, data: val }),
    ...warnings({ epochs: 3, early_stopping: { patience: 1 }, data: val }), ...warnings({ max_steps: 25, early_stopping: { patience: 1 }, data: val })], []);
  // an absurd learning rate for the method was taken without a word (a mistyped exponent); a usual one is not warned
  assert.deepEqual(warnings({ optimizer: { lr: 1e9 } }), ['warning: optimizer.lr 1000000000 is far above the learning rates LoRA trains with (about 1e-5 to 1e-3): ' +
    'past 0.1 every step moves each trained weight by about lr, and the loss diverges; check the exponent']);
  assert.match(warnings({ method: 'full', optimizer: { lr: 0.05 } }).join('\n'), /optimizer\.lr 0\.05 is far above the learning rates full fine-tuning trains with \(about 1e-6 to 1e-4\): past 0\.01/);
  assert.match(warnings({ optimizer: { lr: 1e-12 } }).join('\n'), /^warning: optimizer\.lr 1e-12 is far below the learning rates LoRA trains with \(about 1e-5 to 1e-3\): under 1e-8 the weights barely move; check the exponent$/);
  assert.deepEqual([...warnings({ optimizer: { lr: 0.05 } }), ...warnings({ method: 'full', optimizer: { lr: 1e-5 } })], []);
  // a weight decay whose decoupled step zeroes or flips the weights was taken without a word (the run diverged, told to lower lr)
  assert.deepEqual(warnings({ optimizer: { weight_decay: 1e10 } }), ['warning: optimizer.weight_decay 10000000000 × optimizer.lr 0.0002 = 2000000 ≥ 1: ' +
    'each step multiplies every decayed weight by 1 − lr × weight_decay, which zeroes or flips it, and the loss diverges (weight_decay is usually 0 to 0.1)']);
  assert.deepEqual(warnings({ optimizer: { weight_decay: 0.1 } }), []);
  // JSON Lines in a file without .jsonl is read as text: said as prepare, eval and classify say it (train has no --format)
  const bare = path.join(dir, 'rows');
  fs.writeFileSync(bare, '{"text": "The capital of France is Paris."}\n{"text": "Lima is in Peru."}\n');
  const model = path.join(path.dirname(TINY_BASE), '..', '..', '..', 'models', 'mistral-tune-tiny');
  assert.deepEqual(warnings({ model, data: { train: bare } }),
    [`warning: data.train: ${bare}: read as plain text, yet each of its 2 lines is a JSON object: if it is JSON Lines, name it .jsonl`]);
});

test('--json carries the counts the human dry run states, and the evaluations and checkpoints are those the run makes', () => {
  setQuiet(true);
  try {
    const small = path.join(dir, 'small.jsonl');
    fs.writeFileSync(small, rows.slice(0, 8).join('\n') + '\n'); // 4 steps an epoch
    for (const [extra, evaluations, checkpoints] of [
      [{ max_steps: 5, eval: { every_steps: 2, samples: 0 }, checkpoint: { every_steps: 2, keep: 9 } }, 4, 2], // val at 0, 2, 4, 5
      [{ epochs: 2, checkpoint: { every_steps: 3, keep: 9 } }, 3, 2], // val at 0 and each epoch's end (4, 8)
    ] as const) {
      const cfg = validate({ ...BASE, data: { train: small, val: small }, output_dir: path.join(dir, `run-events-${evaluations}`), ...extra }, 'test');
      const json = dryRunJson(dryRun(cfg));
      const { output_dir_action, ...counts } = Object.fromEntries(Object.entries(json).filter(([k]) => !k.endsWith('bytes') && !['device', 'precision', 'fits'].includes(k)));
      assert.equal(output_dir_action, 'new');
      assert.deepEqual(counts, {
        train_examples: 8, train_tokens: json.train_tokens, steps_per_epoch: 4, total_steps: extra.max_steps ?? 8, warmup_steps: 0, evaluations, checkpoints,
      });
      train(cfg);
      const metrics = fs.readFileSync(path.join(cfg.output_dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { split?: string });
      assert.equal(metrics.filter((m) => m.split === 'val').length, evaluations, JSON.stringify(extra));
      assert.equal(fs.readdirSync(path.join(cfg.output_dir, 'checkpoints')).filter((f) => f.startsWith('step-')).length, checkpoints, JSON.stringify(extra));
    }
  } finally {
    setQuiet(false);
  }
});

test('packed, shuffled epochs all have the steps of the packs made once: the dry run\'s steps and val evaluations are the run\'s', () => {
  setQuiet(true);
  try {
    const packed = validate({ ...BASE, data: { ...BASE.data, val: BASE.data.train }, packing: true, max_seq_len: 40, batch_size: 1, epochs: 5 }, 'test');
    const run = setupRun(packed);
    run.backend.close?.();
    const perEpoch = run.loader.epochBatches;
    assert.ok(perEpoch < 23, `${perEpoch} packs of 23 examples`);
    const planned = dryRun(packed);
    // step 0 and each epoch's end (the last of which is the last step)
    assert.equal(planned.events.evaluations, 6);
    assert.match(describeDryRun(planned, packed), new RegExp(`^run: ${5 * perEpoch} optimizer steps \\(5 epochs of ${perEpoch} steps\\)`, 'm'));
    // max_steps ending one step into the third epoch: step 0, two epoch ends and the last step
    const capped = { ...packed, max_steps: 2 * perEpoch + 1 };
    assert.equal(dryRun(capped).events.evaluations, 4);
    assert.match(describeDryRun(dryRun(capped), capped), new RegExp(`^run: ${capped.max_steps} optimizer steps \\(max_steps, 2 epochs of ${perEpoch} steps and 1 step more\\)`, 'm'));
    // the evaluations in words: an epoch's end and the last step past it; a run shorter than an epoch has no epoch's end
    // (was: "each epoch's end (2 times)" for 3 steps of an epoch's 251: val at step 0 and step 3)
    assert.match(describeDryRun(dryRun(capped), capped), /; val evaluated at step 0, each epoch's end and the last step \(4 times\);/);
    assert.match(describeDryRun(planned, packed), /; val evaluated at step 0, each epoch's end \(6 times\);/);
    const short = { ...packed, max_steps: 1 };
    assert.match(describeDryRun(dryRun(short), short), /; val evaluated at step 0 and the last step \(2 times\);/);
    // and as a real run makes them: grad_accum 2 (a short last group where the packs are odd), max_steps into the third
    // epoch and all epochs: the dry run's steps and val evaluations are the run's
    const steps = Math.ceil(perEpoch / 2);
    for (const extra of [{ grad_accum: 2, max_steps: 2 * steps + 1 }, { grad_accum: 2, epochs: 3 }]) {
      const cfg = { ...packed, ...extra, output_dir: path.join(dir, `run-packed-${extra.max_steps ?? 'epochs'}`) } as typeof packed;
      const plan = dryRun(cfg);
      train(cfg);
      const rows = fs.readFileSync(path.join(cfg.output_dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { step: number; split?: string });
      const val = rows.filter((m) => m.split === 'val').map((m) => m.step);
      assert.deepEqual([plan.steps.totalSteps, plan.events.evaluations], [Math.max(...rows.map((m) => m.step)), val.length], `${JSON.stringify(extra)}: val at ${val.join(', ')}`);
      assert.deepEqual(val.slice(1, 3), [steps, 2 * steps], 'at the first two epochs\' ends');
    }
    // epochs past counting one by one: nothing is walked, the count is epochs × one epoch's
    const far = { ...packed, max_steps: 1e9 };
    assert.match(describeDryRun(dryRun(far), far), new RegExp(`^run: 1,000,000,000 optimizer steps \\(max_steps, [\\d,]+ epochs of ${perEpoch} steps and \\d+ steps? more\\)|^run: 1,000,000,000 optimizer steps \\(max_steps, [\\d,]+ epochs of ${perEpoch} steps\\)`, 'm'));
  } finally {
    setQuiet(false);
  }
});

test('a batch_size past the data: the dry run and the train log\'s start line say the real batch, the examples or the packs', () => {
  // before: "23 examples, micro-batches of 64", without a word that each micro-batch holds the 23
  const cfg = validate({ ...BASE, batch_size: 64, max_steps: 1, output_dir: path.join(dir, 'run-big-batch') }, 'test');
  const planned = describeDryRun(dryRun(cfg), cfg);
  assert.match(planned, /^run: 1 optimizer step \(max_steps, 1 epoch of 1 step\): 23 examples, micro-batches of 64 \(the real batch is 23: batch_size 64 is more than the 23 training examples\);/m);
  const packed = validate({ ...cfg, packing: true, max_seq_len: 40 }, 'test');
  assert.match(describeDryRun(dryRun(packed), packed), /micro-batches of 64 \(the real batch is \d+: batch_size 64 is more than the \d+ packed sequences the examples make\)/);
  const exact = validate({ ...cfg, batch_size: 23 }, 'test');
  assert.doesNotMatch(describeDryRun(dryRun(exact), exact), /real batch/, 'a batch_size the data fills: nothing to say');
  const { stderr } = captureStderr(() => train(cfg));
  const start = stderr.split('\n').find((l) => l.startsWith('train: '));
  assert.match(start ?? stderr, /23 training examples, 1 micro-batch and 1 optimizer step per epoch, 1 step in all; the real batch is 23: batch_size 64 is more than the 23 training examples$/);
  // packed, the start line says into how many sequences (the micro-batches hold packs, not examples)
  const packedRun = validate({ ...packed, output_dir: path.join(dir, 'run-big-batch-packed') }, 'test');
  const packedStart = captureStderr(() => train(packedRun)).stderr.split('\n').find((l) => l.startsWith('train: '));
  const packs = /23 training examples packed into (\d+) sequences of 40 tokens, 1 micro-batch and 1 optimizer step per epoch, 1 step in all; the real batch is (\d+): batch_size 64 is more than the (\d+) packed sequences the examples make$/.exec(packedStart ?? '');
  assert.ok(packs !== null && packs[1] === packs[2] && packs[2] === packs[3], packedStart);
});
