// Writes the dashboard's fixture runs, test/fixtures/dashboard-run (generation) and dashboard-run-cls
// (classification), in the run-directory format of issue [4/9]. The numbers are SYNTHETIC (a seeded
// decaying curve plus noise), made before the trainer existed; replace these folders with the output of a
// real CPU training run when there is one. Run: node --import tsx test/dashboard/make-fixtures.ts
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FIXTURES } from '../helpers.ts';

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const round = (v: number, d = 6): number => Number(v.toFixed(d));

/** transformers' cosine schedule with warmup: step k (from 1) uses lr·λ(k−1). */
function cosineLr(lr: number, warmup: number, total: number, k: number): number {
  const s = k - 1;
  if (s < warmup) return (lr * s) / Math.max(1, warmup);
  const progress = (s - warmup) / Math.max(1, total - warmup);
  return lr * Math.max(0, 0.5 * (1 + Math.cos(Math.PI * progress)));
}

interface RunSpec {
  dir: string;
  seed: number;
  steps: number;
  evalEvery: number;
  lr: number;
  warmup: number;
  start: number;
  floor: number;
  tokensPerStep: number;
  config: string;
}

function metricsRows(spec: RunSpec): { rows: object[]; valLoss: (step: number) => number } {
  const rand = rng(spec.seed);
  const curve = (step: number): number => spec.floor + (spec.start - spec.floor) * Math.exp(-step / (spec.steps / 3));
  const valLoss = (step: number): number => curve(step) + 0.05 + 0.02 * rand();
  const rows: object[] = [];
  const evalRow = (step: number): void => {
    const loss = round(valLoss(step));
    rows.push({ step, split: 'val', loss, perplexity: round(Math.exp(loss), 4) });
  };
  evalRow(0);
  for (let step = 1; step <= spec.steps; step++) {
    rows.push({
      step,
      loss: round(curve(step) + 0.12 * (rand() - 0.5)),
      lr: round(cosineLr(spec.lr, spec.warmup, spec.steps, step), 9),
      grad_norm: round(0.4 + 1.6 * Math.exp(-step / 15) + 0.2 * rand(), 4),
      tokens_per_s: round(spec.tokensPerStep * (0.9 + 0.2 * rand()), 1),
      mem_bytes: 180_000_000 + Math.round(6_000_000 * rand()),
    });
    if (step % spec.evalEvery === 0) evalRow(step);
  }
  return { rows, valLoss };
}

function write(spec: RunSpec, rows: object[], report: object): void {
  const dir = path.join(FIXTURES, spec.dir);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'metrics.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'config.yaml'), spec.config);
  fs.writeFileSync(path.join(dir, 'report.json'), JSON.stringify(report, null, 2) + '\n');
  fs.writeFileSync(
    path.join(dir, 'SYNTHETIC.md'),
    '# Synthetic fixture run\n\nWritten by `test/dashboard/make-fixtures.ts` (seeded curves, not a real training run) to test the\n' +
      'dashboard before the trainer existed. Replace this folder with the output of a real CPU training run.\n',
  );
}

function config(task: string, extra: string, output: string, lr: number, steps: number): string {
  return `# resolved config (synthetic fixture)
model: test/fixtures/hf-tiny-mistral/base
task: ${task}
${extra}data:
  train: data/train.jsonl
  val: data/val.jsonl
  test: data/test.jsonl
lora:
  r: 8
  alpha: 16
  dropout: 0
  target_modules: [q_proj, k_proj, v_proj, o_proj]
  init_from: null
optimizer:
  lr: ${lr}
  betas: [0.9, 0.999]
  eps: 1.0e-8
  weight_decay: 0
schedule:
  type: cosine
  warmup_steps: 5
batch_size: 8
grad_accum: 1
max_steps: ${steps}
max_seq_len: 128
packing: false
shuffle: true
grad_clip: 1
eval:
  every_steps: 10
  batch_size: 8
early_stopping: null
seed: 0
device: cpu
precision: fp32
output_dir: ${output}
`;
}

// Generation.
{
  const spec: RunSpec = {
    dir: 'dashboard-run', seed: 1, steps: 60, evalEvery: 10, lr: 2e-4, warmup: 5, start: 5.8, floor: 2.1,
    tokensPerStep: 950, config: config('generation', '', 'runs/dashboard-run', 2e-4, 60),
  };
  const { rows, valLoss } = metricsRows(spec);
  const testLoss = round(valLoss(60) + 0.01);
  rows.push({ step: 60, split: 'test', loss: testLoss, perplexity: round(Math.exp(testLoss), 4) });
  const vals = rows.filter((r) => (r as { split?: string }).split === 'val') as Array<{ step: number; loss: number }>;
  const best = vals.reduce((b, r) => (r.loss < b.loss ? r : b));
  write(spec, rows, {
    task: 'generation',
    steps: 60,
    best_step: best.step,
    best_val_loss: best.loss,
    test: { loss: testLoss, perplexity: round(Math.exp(testLoss), 4), tokens: 4096 },
    samples: [
      { prompt: 'Q: What does the tide depend on?\nA:', before: ' the the the of a', after: ' The Moon and, to a lesser degree, the Sun.' },
      { prompt: 'Translate to French: good morning', before: ' morning morning good', after: ' bonjour' },
      { prompt: 'Summarise: <b>LoRA</b> adds low-rank adapters.', before: '<script>alert(1)</script>', after: ' LoRA trains small low-rank matrices beside frozen weights.' },
    ],
  });
}

// Classification: the test metrics are computed from the confusion matrix.
{
  const labels = ['negative', 'neutral', 'positive'];
  const spec: RunSpec = {
    dir: 'dashboard-run-cls', seed: 2, steps: 40, evalEvery: 10, lr: 5e-4, warmup: 5, start: 1.25, floor: 0.45,
    tokensPerStep: 1300, config: config('classification', `labels: [${labels.join(', ')}]\n`, 'runs/dashboard-run-cls', 5e-4, 40),
  };
  const { rows, valLoss } = metricsRows(spec);
  const cm = [[28, 4, 2], [5, 21, 6], [1, 3, 30]];
  const total = cm.flat().reduce((a, b) => a + b, 0);
  const accuracy = cm.reduce((a, row, i) => a + row[i]!, 0) / total;
  const f1 = cm.map((row, i) => {
    const tp = row[i]!;
    const p = tp / cm.reduce((a, r) => a + r[i]!, 0);
    const r = tp / row.reduce((a, b) => a + b, 0);
    return (2 * p * r) / (p + r);
  });
  const macroF1 = f1.reduce((a, b) => a + b, 0) / f1.length;
  const testLoss = round(valLoss(40) + 0.02);
  const test = { loss: testLoss, perplexity: round(Math.exp(testLoss), 4), accuracy: round(accuracy, 4), macro_f1: round(macroF1, 4), confusion_matrix: cm };
  rows.push({ step: 40, split: 'test', ...test });
  write(spec, rows, { task: 'classification', labels, steps: 40, test });
}
