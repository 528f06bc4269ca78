// The training conventions on the tiny model: accumulation equals the full batch (token-weighted),
// schedules, clipping, steps across epochs, early stopping, the run directory and refusing to
// overwrite one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import { DataLoader } from '../../src/data/loader.ts';
import { loadTokenRows } from '../../src/data/load-rows.ts';
import { SafetensorsFile } from '../../src/model/safetensors.ts';
import { validate, type TrainConfig } from '../../src/train/config.ts';
import { train } from '../../src/train/trainer.ts';
import { Rng } from '../../src/util/rng.ts';
import { relErr, TINY_BASE } from '../helpers.ts';
import { captureStderr } from '../tokenizer/helpers.ts';
import { tempDir } from '../temp-dir.ts';

function tmp(): string {
  return tempDir('mt-trainer-');
}

/** Rows of varied length whose first tokens are masked, so token weighting matters. */
function writeRows(file: string, n: number, seed: number, classes = 0): void {
  const rng = new Rng(seed);
  const lines = Array.from({ length: n }, (_, i) => {
    const len = 6 + rng.below(14);
    const ids = [1, ...Array.from({ length: len - 1 }, () => 3 + rng.below(500))];
    if (classes) return JSON.stringify({ input_ids: ids, label: (ids[1]! + i) % classes });
    const mask = 1 + rng.below(4);
    return JSON.stringify({ input_ids: ids, labels: ids.map((t, j) => (j < mask ? -100 : t)) });
  });
  fs.writeFileSync(file, lines.join('\n') + '\n');
}

function config(dir: string, over: Record<string, unknown>): TrainConfig {
  return validate({
    model: TINY_BASE, data: { train: path.join(dir, 'train.jsonl') }, shuffle: false, grad_clip: null,
    optimizer: { lr: 5e-3 }, schedule: { type: 'constant' }, lora: { r: 4, alpha: 8 }, eval: { samples: 0 },
    output_dir: path.join(dir, `run-${Math.random().toString(36).slice(2)}`), ...over,
  }, 'test');
}

type Row = Record<string, unknown>;
const metricRows = (run: string): Row[] =>
  fs.readFileSync(path.join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Row);
const stepRows = (run: string): Row[] => metricRows(run).filter((r) => !('split' in r));

test('gradient accumulation gives the full-batch step: batch 4 = 2 × accum 2 = 1 × accum 4', () => {
  const dir = tmp();
  writeRows(path.join(dir, 'train.jsonl'), 12, 1);
  const runs = [[4, 1], [2, 2], [1, 4]].map(([bs, ga]) => train(config(dir, { batch_size: bs, grad_accum: ga, max_steps: 3 })).dir);
  const losses = runs.map((r) => stepRows(r).map((x) => x.loss as number));
  assert.equal(losses[0]!.length, 3);
  for (const l of losses.slice(1)) {
    l.forEach((x, i) => assert.ok(Math.abs(x - losses[0]![i]!) / losses[0]![i]! < 1e-5, `step ${i + 1}: ${x} vs ${losses[0]![i]}`));
  }
  const adapter = (r: string): SafetensorsFile => SafetensorsFile.open(path.join(r, 'adapter', 'adapter_model.safetensors'));
  const ref = adapter(runs[0]!);
  for (const r of runs.slice(1)) {
    const a = adapter(r);
    for (const key of ref.names()) assert.ok(relErr(a.readF32(key), ref.readF32(key)) < 1e-4, key);
    a.close();
  }
  ref.close();
});

test('the lr of each step follows transformers schedules (step k uses λ(k − 1))', () => {
  const dir = tmp();
  writeRows(path.join(dir, 'train.jsonl'), 6, 2);
  const lrs = (type: string): number[] => stepRows(train(config(dir, { batch_size: 1, max_steps: 6, schedule: { type, warmup_steps: 2 }, optimizer: { lr: 1e-3 } })).dir).map((r) => r.lr as number);
  const close = (a: number[], b: number[]): void => a.forEach((x, i) => assert.ok(Math.abs(x - b[i]! * 1e-3) < 1e-15, `${a} vs ${b}`));
  close(lrs('linear'), [0, 0.5, 1, 0.75, 0.5, 0.25]);
  close(lrs('constant'), [0, 0.5, 1, 1, 1, 1]);
  close(lrs('cosine'), [0, 0.5, 1, 0.5 * (1 + Math.cos(Math.PI * 0.25)), 0.5, 0.5 * (1 + Math.cos(Math.PI * 0.75))]);
  // a fraction below 1 is of the run's steps, rounded up as transformers 5 does: ⌈0.25 · 6⌉ = 2, as warmup_steps 2
  const fraction = stepRows(train(config(dir, { batch_size: 1, max_steps: 6, schedule: { type: 'linear', warmup_steps: 0.25 }, optimizer: { lr: 1e-3 } })).dir);
  close(fraction.map((r) => r.lr as number), [0, 0.5, 1, 0.75, 0.5, 0.25]);
});

test('max_steps counts optimizer steps across epochs; a short last accumulation still steps', () => {
  const dir = tmp();
  writeRows(path.join(dir, 'train.jsonl'), 5, 3);
  // 5 rows, batch 2 → 3 micro-batches per epoch; accum 2 → 2 steps per epoch
  assert.equal(stepRows(train(config(dir, { batch_size: 2, grad_accum: 2, epochs: 2 })).dir).length, 4);
  assert.equal(stepRows(train(config(dir, { batch_size: 2, grad_accum: 2, max_steps: 5 })).dir).length, 5);
});

test('grad_norm is logged before clipping, and clipping changes the update', () => {
  const dir = tmp();
  writeRows(path.join(dir, 'train.jsonl'), 4, 4);
  const a = train(config(dir, { batch_size: 2, max_steps: 2, grad_clip: null, optimizer: { lr: 1e-2 } })).dir;
  const b = train(config(dir, { batch_size: 2, max_steps: 2, grad_clip: 1e-4, optimizer: { lr: 1e-2 } })).dir;
  const [ra, rb] = [stepRows(a), stepRows(b)];
  assert.equal(ra[0]!.grad_norm, rb[0]!.grad_norm);
  assert.equal(ra[0]!.loss, rb[0]!.loss);
  assert.notEqual(ra[1]!.loss, rb[1]!.loss);
});

test('run directory: metrics rows, evaluations at step 0 and every N steps, best/ and adapter/, report, curve', () => {
  const dir = tmp();
  writeRows(path.join(dir, 'train.jsonl'), 8, 5);
  writeRows(path.join(dir, 'val.jsonl'), 3, 6);
  writeRows(path.join(dir, 'test.jsonl'), 3, 7);
  const cfg = config(dir, { batch_size: 2, epochs: 2, eval: { every_steps: 3, samples: 0 }, data: { train: path.join(dir, 'train.jsonl'), val: path.join(dir, 'val.jsonl'), test: path.join(dir, 'test.jsonl') } });
  const run = train(cfg).dir;
  const rows = metricRows(run);
  const steps = rows.filter((r) => !('split' in r));
  assert.equal(steps.length, 8);
  for (const r of steps) assert.deepEqual(Object.keys(r).sort(), ['grad_norm', 'loss', 'lr', 'mem_bytes', 'step', 'tokens_per_s']);
  assert.deepEqual(rows.filter((r) => r.split === 'val').map((r) => r.step), [0, 3, 6, 8]);
  const testRow = rows.find((r) => r.split === 'test')!;
  assert.equal(testRow.step, 8);
  assert.ok((testRow.perplexity as number) > 1);
  for (const f of ['config.yaml', 'report.json', 'loss_curve.svg', 'adapter/adapter_model.safetensors', 'adapter/adapter_config.json', 'best/adapter_model.safetensors']) {
    assert.ok(fs.existsSync(path.join(run, f)), f);
  }
  assert.deepEqual(validate(YAML.parse(fs.readFileSync(path.join(run, 'config.yaml'), 'utf8')), 'x'), cfg);
  const report = JSON.parse(fs.readFileSync(path.join(run, 'report.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(report.steps, 8);
  assert.ok(fs.readFileSync(path.join(run, 'loss_curve.svg'), 'utf8').startsWith('<svg'));
  assert.throws(() => train(cfg), /not empty/);
  train(cfg, { overwrite: true });
});

test('early stopping ends the run after `patience` evaluations without improvement', () => {
  const dir = tmp();
  writeRows(path.join(dir, 'train.jsonl'), 8, 8);
  writeRows(path.join(dir, 'val.jsonl'), 2, 9);
  const run = train(config(dir, {
    batch_size: 1, max_steps: 8, eval: { every_steps: 1, samples: 0 }, early_stopping: { patience: 2, min_delta: 1e9 },
    data: { train: path.join(dir, 'train.jsonl'), val: path.join(dir, 'val.jsonl') },
  })).dir;
  // step 1's evaluation is the first that counts (step 0's is the baseline), steps 2 and 3 do not improve by min_delta
  assert.equal(stepRows(run).length, 3);
  const report = JSON.parse(fs.readFileSync(path.join(run, 'report.json'), 'utf8')) as { stopped_early: boolean; val: { best: { step: number } } };
  assert.equal(report.stopped_early, true);
  // min_delta counts toward patience only: best/ is still the lowest val loss of steps 1..3
  const val = metricRows(run).filter((r) => r.split === 'val' && r.step !== 0);
  const lowest = val.reduce((a, b) => ((b.loss as number) < (a.loss as number) ? b : a));
  assert.equal(report.val.best.step, lowest.step);
});

test('the step-0 evaluation is a baseline, as HF\'s eval_on_start: neither best/ nor early stopping counts it, even when it is the lowest', () => {
  // before: best/ held step 0's weights (an adapter that changes nothing) and patience ran out one evaluation early
  const dir = tmp();
  // trained toward one token repeated, evaluated on others: every update raises the val loss above step 0's
  fs.writeFileSync(path.join(dir, 'train.jsonl'), JSON.stringify({ input_ids: [1, 5, 5, 5, 5, 5, 5, 5, 5, 5] }) + '\n');
  fs.writeFileSync(path.join(dir, 'val.jsonl'), JSON.stringify({ input_ids: [1, 301, 303, 307, 311, 313, 317, 331, 337, 347] }) + '\n');
  const run = train(config(dir, {
    batch_size: 1, max_steps: 5, optimizer: { lr: 0.1 }, eval: { every_steps: 1, samples: 0 }, early_stopping: { patience: 2 },
    data: { train: path.join(dir, 'train.jsonl'), val: path.join(dir, 'val.jsonl') },
  })).dir;
  const val = metricRows(run).filter((r) => r.split === 'val').map((r) => r.loss as number);
  assert.equal(val.length, 4, 'steps 0 to 3');
  assert.ok(val.slice(1).every((l) => l > val[0]!) && val.slice(2).every((l) => l > val[1]!), JSON.stringify(val));
  const report = JSON.parse(fs.readFileSync(path.join(run, 'report.json'), 'utf8')) as { stopped_early: boolean; steps: number; val: { best: { step: number } } };
  assert.equal(report.val.best.step, 1);
  assert.equal(stepRows(run).length, 3, 'steps 2 and 3 without improvement on step 1: patience 2 runs out at step 3');
  assert.equal(report.stopped_early, true);
});

test('best/ is the lowest val loss whatever early_stopping.min_delta, with early stopping off', () => {
  const dir = tmp();
  writeRows(path.join(dir, 'train.jsonl'), 4, 12);
  // val = train, so each evaluation's loss is below the one before (by far less than min_delta)
  const run = train(config(dir, {
    batch_size: 4, max_steps: 6, eval: { every_steps: 2, samples: 0 }, early_stopping: { patience: null, min_delta: 10 },
    data: { train: path.join(dir, 'train.jsonl'), val: path.join(dir, 'train.jsonl') },
  })).dir;
  const val = metricRows(run).filter((r) => r.split === 'val');
  assert.deepEqual(val.map((r) => r.step), [0, 2, 4, 6]);
  val.slice(1).forEach((r, i) => assert.ok((r.loss as number) < (val[i]!.loss as number), JSON.stringify(val)));
  const report = JSON.parse(fs.readFileSync(path.join(run, 'report.json'), 'utf8')) as { stopped_early: boolean; val: { best: { step: number; loss: number } } };
  assert.equal(report.stopped_early, false);
  assert.deepEqual(report.val.best, { step: 6, loss: val[3]!.loss });
  // best/ holds the weights of step 6, the last step's: the same tensors as adapter/
  const open = (sub: string): SafetensorsFile => SafetensorsFile.open(path.join(run, sub, 'adapter_model.safetensors'));
  const [best, last] = [open('best'), open('adapter')];
  for (const key of last.names()) assert.deepEqual(best.readF32(key), last.readF32(key), key);
  best.close();
  last.close();
});

test('classification trains, with accuracy, macro-F1 and a confusion matrix on test', () => {
  const dir = tmp();
  writeRows(path.join(dir, 'train.jsonl'), 6, 10, 3);
  writeRows(path.join(dir, 'test.jsonl'), 4, 11, 3);
  const run = train(config(dir, { task: 'classification', labels: ['a', 'b', 'c'], batch_size: 3, max_steps: 2, data: { train: path.join(dir, 'train.jsonl'), test: path.join(dir, 'test.jsonl') } })).dir;
  const t = metricRows(run).find((r) => r.split === 'test')!;
  assert.ok(typeof t.accuracy === 'number' && typeof t.macro_f1 === 'number');
  assert.equal((t.confusion as number[][]).flat().reduce((a, b) => a + b, 0), 4);
  const cfg = JSON.parse(fs.readFileSync(path.join(run, 'adapter', 'adapter_config.json'), 'utf8')) as { task_type: string };
  assert.equal(cfg.task_type, 'SEQ_CLS');
});

test("classification on a model with its own head (id2label): the labels may rename its classes but not reorder them", () => {
  const dir = tmp();
  writeRows(path.join(dir, 'train.jsonl'), 6, 10, 3);
  const classifier = train(config(dir, { task: 'classification', method: 'full', labels: ['a', 'b', 'c'], batch_size: 3, max_steps: 1 })).dir;
  const model = path.join(classifier, 'model'); // MistralForSequenceClassification, id2label a, b, c
  // b, a, c would train the head's row of "a" toward "b" and the other way round, silently
  assert.throws(() => train(config(dir, { model, task: 'classification', labels: ['b', 'a', 'c'], batch_size: 3, max_steps: 1 })),
    /^UserError: labels: "b" is class 1 of the model's head \(id2label of .*config\.json\) \(a, b, c, in index order\), not class 0: .*; give labels in that order \(labels: \["a","b","c"\]\)$/);
  for (const labels of [['a', 'b', 'c'], ['neg', 'neutral', 'pos']]) {
    assert.equal(train(config(dir, { model, task: 'classification', labels, batch_size: 3, max_steps: 1 })).steps, 1);
  }
});

test('packing with shuffling: the rows are packed once, every epoch trains all the packs, each row once an epoch', () => {
  const dir = tmp();
  writeRows(path.join(dir, 'train.jsonl'), 60, 12);
  const rows = loadTokenRows(path.join(dir, 'train.jsonl'), { vocabSize: 512 }).rows;
  const loader = new DataLoader(rows, { batchSize: 2, shuffle: true, seed: 3, packLength: 40 });
  const perEpoch = loader.epochBatches;
  for (let e = 0; e < 3; e++) {
    const seen: number[] = [];
    for (let b = 0; b < perEpoch; b++) seen.push(...loader.next().rows);
    assert.deepEqual(seen.sort((x, y) => x - y), rows.map((_, i) => i), `epoch ${e}: each row once`);
  }
  const run = train(config(dir, { batch_size: 2, epochs: 3, packing: true, shuffle: true, max_seq_len: 40, seed: 3 })).dir;
  const report = JSON.parse(fs.readFileSync(path.join(run, 'report.json'), 'utf8')) as { steps: number; total_steps: number };
  assert.equal(report.total_steps, 3 * perEpoch);
  assert.equal(report.steps, report.total_steps);
  assert.equal(stepRows(run).length, report.total_steps);
});

test('packing: the memory line plans for packed rows of max_seq_len, not for the longest example', () => {
  const dir = tmp();
  writeRows(path.join(dir, 'train.jsonl'), 20, 12);
  const { stderr } = captureStderr(() => train(config(dir, { batch_size: 2, packing: true, max_seq_len: 40, max_steps: 1 })));
  assert.match(stderr, /memory: activations [\d.]+ MiB planned for 2 × 40 tokens;/);
});

test('lora settings under method full are said to be unused', () => {
  const dir = tmp();
  writeRows(path.join(dir, 'train.jsonl'), 4, 12);
  const { stderr } = captureStderr(() => train(config(dir, { method: 'full', max_steps: 1, lora: { r: 4, dropout: 0.1 } })));
  assert.match(stderr, /warning: lora\.r, lora\.dropout are set but method is full: every weight is trained and no adapter is made, so they are not used/);
});

test('eval.samples and eval.max_new_tokens set under task classification are said to be unused (samples 0 is not)', () => {
  const dir = tmp();
  writeRows(path.join(dir, 'train.jsonl'), 6, 10, 3);
  const cls = (evalCfg: Record<string, unknown>): string => captureStderr(() => train(config(dir, { task: 'classification', labels: ['a', 'b', 'c'], batch_size: 3, max_steps: 1, eval: evalCfg }))).stderr;
  assert.match(cls({ samples: 5, max_new_tokens: 20 }), /warning: eval\.samples, eval\.max_new_tokens are set but the task is classification: no text is generated, so they are not used/);
  assert.doesNotMatch(cls({ samples: 0 }), /is classification/);
});

test('data.train_on all under task classification is said to be unused (was taken without a word)', () => {
  const dir = tmp();
  writeRows(path.join(dir, 'train.jsonl'), 6, 10, 3);
  const cls = (trainOn: string): string => captureStderr(() => train(config(dir, {
    task: 'classification', labels: ['a', 'b', 'c'], batch_size: 3, max_steps: 1, data: { train: path.join(dir, 'train.jsonl'), train_on: trainOn },
  }))).stderr;
  assert.match(cls('all'), /^warning: data\.train_on all is set but the task is classification: the loss is the head's on each text's class, not on tokens, so it is not used$/m);
  assert.doesNotMatch(cls('assistant'), /train_on/);
});

test('checkpoint.every_steps past the last step is said in a warning: no checkpoint would be written', () => {
  const dir = tmp();
  writeRows(path.join(dir, 'train.jsonl'), 4, 12);
  const late = captureStderr(() => train(config(dir, { max_steps: 2, checkpoint: { every_steps: 10 } }))).stderr;
  assert.match(late, /warning: checkpoint\.every_steps 10 > the run's 2 steps: no checkpoint is written, so --resume would have nothing to continue from/);
  assert.doesNotMatch(captureStderr(() => train(config(dir, { max_steps: 2, checkpoint: { every_steps: 2 } }))).stderr, /checkpoint\.every_steps/);
});

test('data.val or data.test that is the training file is said in a warning', () => {
  const dir = tmp();
  const file = path.join(dir, 'train.jsonl');
  writeRows(file, 8, 12);
  const { stderr } = captureStderr(() => train(config(dir, { max_steps: 1, data: { train: file, val: file, test: file } })));
  assert.match(stderr, /warning: data\.val is the training data \(data\.train, the same file\)/);
  assert.match(stderr, /warning: data\.test is the training data \(data\.train, the same file\)/);
});

test('data without a target token stops before the first step, naming its key and file', () => {
  const dir = tmp();
  writeRows(path.join(dir, 'train.jsonl'), 4, 13);
  const masked = path.join(dir, 'masked.jsonl');
  fs.writeFileSync(masked, '{"input_ids": [1, 5, 6], "labels": [-100, -100, -100]}\n{"input_ids": [1]}\n');
  const out = path.join(dir, 'run-masked');
  const data = (over: Record<string, string>): Record<string, unknown> => ({ data: { train: path.join(dir, 'train.jsonl'), ...over }, max_steps: 2, output_dir: out });
  assert.throws(() => train(config(dir, data({ train: masked }))),
    { message: `data.train: ${masked}: no token to train on: every label is -100, or every row has a single token` });
  assert.equal(fs.existsSync(out), false, 'nothing was trained or written');
  for (const key of ['val', 'test']) {
    assert.throws(() => train(config(dir, data({ [key]: masked }))),
      { message: `data.${key}: ${masked}: no target tokens to evaluate: every label is -100, or every row has a single token` });
  }
});

test('sample generations say how far they are (a progress line for each of before and after), none under setQuiet', async () => {
  // before: a large eval.samples with no val data (prompts from the training rows) generated for minutes in silence
  const { loadTokenizer } = await import('../../src/tokenizer/index.ts');
  const { setQuiet } = await import('../../src/util/log.ts');
  const dir = tmp();
  writeRows(path.join(dir, 'train.jsonl'), 6, 14);
  const tokenizer = captureStderr(() => loadTokenizer()).result; // decodes the tiny model's ids (< 512)
  const cfg = config(dir, { max_steps: 1, eval: { samples: 5, max_new_tokens: 2 } });
  const { result, stderr } = captureStderr(() => train(cfg, { tokenizer }));
  assert.equal((result.report.samples as unknown[]).length, 5);
  assert.match(stderr, /^samples before .* 5\/5 prompts \|/m);
  assert.match(stderr, /^samples after .* 5\/5 prompts \|/m);
  setQuiet(true);
  try {
    const quiet = captureStderr(() => train(config(dir, { max_steps: 1, eval: { samples: 5, max_new_tokens: 2 } }), { tokenizer }));
    assert.doesNotMatch(quiet.stderr, /samples (before|after)/);
  } finally {
    setQuiet(false);
  }
});
