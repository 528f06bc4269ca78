// `train --dry-run` on a config.json of absurd sizes (num_hidden_layers 1e9, a vocabulary of 1e12): the plan is
// arithmetic, so it answers "does not fit" at once; it allocated per-layer objects (an activation set and a window
// per layer) and ran out of memory instead. Sizes past 2^53 (1e300) are refused by their key in one line. A packed
// max_seq_len of 10^12 is planned too: counting the steps collated a batch of that width (a RangeError and its stack).
// A CPU run's sequences past WebAssembly's attention workspace do not fit, as train says (the dry run said "fits").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseConfig } from '../../src/model/config.ts';
import { describeModelConfig } from '../../src/model/describe.ts';
import { activationBytes, layoutActivations, LOGIT_ROWS, loraPlan } from '../../src/model/activations.ts';
import { modelDTypes } from '../../src/backend/dtype.ts';
import { validate } from '../../src/train/config.ts';
import { describeDryRun, dryRun, dryRunJson, dryRunRefusal } from '../../src/train/dry-run.ts';
import { setupRun } from '../../src/train/setup.ts';
import { checkSequenceFits, cpuSequenceRefusal } from '../../src/train/fit-check.ts';
import { setQuiet } from '../../src/util/log.ts';
import { DataLoader } from '../../src/data/loader.ts';
import { SafetensorsFile, writeSafetensors } from '../../src/model/safetensors.ts';
import { TINY, TINY_BASE } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';

const dir = tempDir('mt-dry-sizes-');
test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
fs.writeFileSync(path.join(dir, 'train.jsonl'), Array.from({ length: 6 }, (_, i) => JSON.stringify({ input_ids: [1, 5 + i, 7, 9] })).join('\n') + '\n');
const SMALL = {
  model_type: 'mistral', vocab_size: 512, hidden_size: 64, intermediate_size: 160, num_hidden_layers: 2, num_attention_heads: 4,
  num_key_value_heads: 2, head_dim: 16, sliding_window: 8,
};

test('the activation plan of many layers is counted, not laid out layer by layer, and agrees with the layout', () => {
  const cfg = parseConfig({ ...SMALL, num_hidden_layers: 7 });
  const shape = {
    B: 3, T: 11, training: true, checkpoint: false, logitRows: LOGIT_ROWS, numLabels: 0,
    lora: loraPlan(cfg, { r: 4, dropout: 0.1, targets: ['q_proj', 'v_proj', 'down_proj'], useDora: true }),
  };
  for (const dtypes of [modelDTypes('f32'), modelDTypes('bf16')]) {
    for (const checkpoint of [false, true]) {
      let laidOut = 0;
      layoutActivations(cfg, { ...shape, checkpoint }, dtypes, (n, d) => (laidOut += n * (d === 'i32' || d === 'f32' ? 4 : 2)));
      assert.equal(activationBytes(cfg, { ...shape, checkpoint }, dtypes).total, laidOut);
    }
  }
  const huge = parseConfig({ ...SMALL, num_hidden_layers: 1e9 });
  assert.ok(activationBytes(huge, shape, modelDTypes('f32')).total > 1e9 * 3 * 11 * 64 * 4);
  assert.match(describeModelConfig(huge), /^1,000,000,000 layers, .*sliding window 8, /);
});

test('a dry run of a config.json of absurd sizes says at once that it does not fit', () => {
  setQuiet(true);
  try {
    for (const big of [{ num_hidden_layers: 1e9 }, { vocab_size: 1e12 }, { hidden_size: 2 ** 40, head_dim: 16 }, { intermediate_size: 1e15 }]) {
      const cfg = validate({
        model: { config: { ...SMALL, ...big }, init: 'random' }, data: { train: path.join(dir, 'train.jsonl') }, batch_size: 2, device: 'cpu',
        eval: { samples: 0 }, output_dir: path.join(dir, 'run'),
      }, 'test');
      const r = dryRun(cfg);
      assert.equal(r.fits, false, JSON.stringify(big));
      assert.ok(Number.isFinite(r.plan.total), JSON.stringify(big));
    }
  } finally {
    setQuiet(false);
  }
});

test('config.json sizes past 2^53 are refused by their key, not planned with lost digits', () => {
  for (const key of ['num_hidden_layers', 'vocab_size', 'hidden_size', 'intermediate_size', 'max_position_embeddings']) {
    assert.throws(() => parseConfig({ ...SMALL, [key]: 1e300 }), new RegExp(`^UserError: config.json: ${key}: must be an integer from 1 to 2\\^53 − 1, got 1e\\+300$`), key);
  }
});

test('a packed run of max_seq_len 10^12 is planned (does not fit), its steps counted without collating a batch', () => {
  setQuiet(true);
  try {
    const cfg = validate({
      model: { config: SMALL, init: 'random' }, data: { train: path.join(dir, 'train.jsonl') }, batch_size: 2, device: 'cpu', packing: true,
      max_seq_len: 1e12, eval: { samples: 0 }, output_dir: path.join(dir, 'run'),
    }, 'test');
    const r = dryRun(cfg);
    assert.deepEqual([r.fits, r.steps.totalSteps], [false, 1]);
  } finally {
    setQuiet(false);
  }
  // the counts are those next() draws, epoch after epoch: the packs are made once, so every epoch has as many
  const rows = Array.from({ length: 30 }, (_, i) => ({ inputIds: Array.from({ length: 1 + ((i * 7) % 13) }, () => 5), labels: null }));
  const loader = new DataLoader(rows, { batchSize: 2, shuffle: true, seed: 4, packLength: 16 });
  const drawn: number[] = [];
  for (let e = 0; e < 4; e++) {
    const first = loader.next();
    drawn.push(first.epochBatches);
    for (let i = 1; i < first.epochBatches; i++) loader.next();
  }
  assert.deepEqual(drawn, [loader.epochBatches, loader.epochBatches, loader.epochBatches, loader.epochBatches]);
  assert.equal(loader.epochBatches, Math.ceil(loader.sequences / 2));
});

test('a CPU run whose attention workspace exceeds WebAssembly\'s 4 GiB does not fit, as train refuses it, though the RAM would hold it', () => {
  setQuiet(true);
  try {
    const cfg = validate({
      model: { config: SMALL, init: 'random' }, data: { train: path.join(dir, 'train.jsonl') }, batch_size: 1, device: 'cpu', packing: true,
      max_seq_len: 20_000, eval: { samples: 0 }, output_dir: path.join(dir, 'run'),
    }, 'test');
    const r = dryRun(cfg);
    assert.equal(r.fits, false);
    assert.match(describeDryRun(r, cfg), /→ does NOT fit: sequences of 20,000 tokens need 6\.0 GiB of attention workspace on the CPU, more than its 4\.0 GiB: lower max_seq_len, or train on a GPU \(device: cuda, whose attention needs no \(T, T\) workspace\)\n/);
    assert.equal(dryRunJson(r).fits, false);
  } finally {
    setQuiet(false);
  }
});

test('a batch_size past the examples there are (1e9 for 6) is sized by the batches the run makes, not refused as a workspace of 1e9 rows', () => {
  setQuiet(true);
  try {
    const train = path.join(dir, 'train.jsonl');
    const cfg = validate({
      model: { config: SMALL, init: 'random' }, data: { train, val: train }, batch_size: 1e9, device: 'cpu',
      eval: { samples: 0, batch_size: 1e12 }, output_dir: path.join(dir, 'run'),
    }, 'test');
    const rows = Array.from({ length: 6 }, () => ({ inputIds: [1, 5, 7, 9], labels: null }));
    assert.doesNotThrow(() => checkSequenceFits(cfg, parseConfig(SMALL), [rows, rows]));
    // 300,000 examples: their lengths were spread as arguments to find the longest, a RangeError and its stack
    const many = Array.from({ length: 300_000 }, () => rows[0]!);
    assert.doesNotThrow(() => checkSequenceFits(cfg, parseConfig(SMALL), [many, rows]));
    assert.equal(dryRun(cfg).limit, null);
  } finally {
    setQuiet(false);
  }
});

test('training a model whose weights alone exceed the machine is refused before a weight is drawn', () => {
  const raw = {
    model: { config: { ...SMALL, num_hidden_layers: 1e9 }, init: 'random' }, data: { train: path.join(dir, 'train.jsonl') }, batch_size: 2, device: 'cpu',
    eval: { samples: 0 }, output_dir: path.join(dir, 'run'),
  };
  const cfg = validate(raw, 'test');
  assert.throws(() => setupRun(cfg), /^UserError: model\.config: the model does not fit this machine's RAM: the weights alone take 160694\.1 GiB of .* GiB: precision: bf16 .*, or a device with more memory \(see train --dry-run\)$/);
  // full fine-tuning in f32 holds every weight in its trainable state: said as such, not as "weights (0.0 GiB)"
  const full = validate({ ...raw, method: 'full' }, 'test');
  assert.throws(() => setupRun(full), /^UserError: model\.config: the model does not fit this machine's RAM: the weights and the trainable state \(parameters, gradients, AdamW moments\) with the copies while saving alone take \d+\.\d GiB of .* GiB: method: lora, or a device with more memory \(see train --dry-run\)$/);
});

test('a packed run\'s batches are sized by the packs the loader makes, not by the examples: the plan holds the largest batch the run draws, no more than it can', () => {
  setQuiet(true);
  try {
    // 12 examples of 4 tokens pack into 1 sequence of 64: batches of 1 row, which the plan sized as 12; 30 examples of
    // 1–13 tokens make 13 packs of 16 (batches of up to 13 rows, planned as 30)
    const few = path.join(dir, 'few-packed.jsonl');
    fs.writeFileSync(few, Array.from({ length: 12 }, (_, i) => JSON.stringify({ input_ids: [1, 5 + i, 7, 9] })).join('\n') + '\n');
    const varied = path.join(dir, 'varied-packed.jsonl');
    fs.writeFileSync(varied, Array.from({ length: 30 }, (_, i) => JSON.stringify({ input_ids: Array.from({ length: 1 + ((i * 7) % 13) }, () => 5) })).join('\n') + '\n');
    for (const [train, extra] of [[few, { max_seq_len: 64, shuffle: false }], [varied, { max_seq_len: 16, shuffle: true, epochs: 6 }]] as const) {
      const cfg = validate({
        model: { config: SMALL, init: 'random' }, data: { train }, batch_size: 32, device: 'cpu', packing: true, eval: { samples: 0 }, output_dir: path.join(dir, 'run'), ...extra,
      }, 'test');
      const run = setupRun(cfg);
      run.backend.close?.();
      let most = 0; // the rows of the largest batch the run's loader draws, epoch after epoch
      for (let i = 0; i < run.totalSteps * cfg.grad_accum; i++) most = Math.max(most, run.loader.next().batch.B);
      assert.equal(run.batchRows, most, train);
      assert.ok(most < (train === few ? 12 : 30), `${most} rows: the packs, not the examples`);
      const { shape } = dryRun(cfg);
      assert.equal(shape.B, most, train);
    }
  } finally {
    setQuiet(false);
  }
});

test("the plan's activations name evaluation's own plan: train's memory line counts the training plan alone", () => {
  // the dry run said "activations 48.1 MiB" and train "activations 19.0 MiB planned for 4 × 27 tokens", for one run
  setQuiet(true);
  try {
    const train = path.join(dir, 'train.jsonl');
    const base = { model: { config: SMALL, init: 'random' }, data: { train, val: train }, batch_size: 1, device: 'cpu', output_dir: path.join(dir, 'run-eval') };
    const cfg = validate({ ...base, eval: { batch_size: 6, samples: 0 } }, 'test');
    const r = dryRun(cfg);
    assert.ok(r.plan.evalActivations > 0 && r.plan.evalActivations < r.plan.activations);
    const mib = (b: number): string => (b / 2 ** 20).toFixed(1);
    assert.match(describeDryRun(r, cfg), new RegExp(`activations +${mib(r.plan.activations)} MiB  \\(of which evaluation's own plan ${mib(r.plan.evalActivations)} MiB, the logits chunk `));
    const same = validate({ ...base, eval: { batch_size: 1, samples: 0 } }, 'test'); // evaluation fits the training plan
    assert.equal(dryRun(same).plan.evalActivations, 0);
    assert.doesNotMatch(describeDryRun(dryRun(same), same), /evaluation's own plan/);
  } finally {
    setQuiet(false);
  }
});

test('lora.init_from an adapter of some layers (layers_to_transform) plans the trainable state of those layers only, as the run allocates it', () => {
  // before: every layer's, twice this adapter's (a safe over-estimate, which could refuse a run that fits)
  const src = path.join(TINY, 'adapter_step1'); // r 4 over all seven projections of both layers
  const adapter = path.join(dir, 'layer-1-adapter');
  fs.mkdirSync(adapter);
  const st = SafetensorsFile.open(path.join(src, 'adapter_model.safetensors'));
  const tensors = Object.fromEntries(st.names().filter((n) => n.includes('.layers.1.')).map((n) => [n, { dtype: 'F32' as const, shape: st.info(n).shape, data: st.readF32(n) }]));
  st.close();
  writeSafetensors(path.join(adapter, 'adapter_model.safetensors'), tensors, { format: 'pt' });
  const adapterConfig = JSON.parse(fs.readFileSync(path.join(src, 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(path.join(adapter, 'adapter_config.json'), JSON.stringify({ ...adapterConfig, layers_to_transform: [1] }));
  const cfg = validate({ model: TINY_BASE, data: { train: path.join(dir, 'train.jsonl') }, lora: { r: 4, alpha: 8, init_from: adapter }, precision: 'fp32',
    output_dir: path.join(dir, 'layer-1-run') }, 'test');
  setQuiet(true);
  try {
    const { plan } = dryRun(cfg);
    // one layer of r 4 over q, o (64 × 64), k, v (32 × 64), gate, up (160 × 64) and down (64 × 160): 4,480 parameters,
    // each with its gradient and two AdamW moments, in f32
    assert.equal(plan.trainable, 4480 * 4 * 4);
    const run = setupRun(cfg);
    run.backend.close?.();
    assert.equal(plan.trainable, run.params.reduce((n, p) => n + p.value.length, 0) * 4 * 4, 'as many as the run trains');
  } finally {
    setQuiet(false);
  }
});

test('a 7B run of 32k-token sequences at batch 1 that does not fit: the advice names what dominates and only the levers left, no batch_size', () => {
  // before: "…17.1 GiB of attention workspace on the CPU, more than its 4.0 GiB: lower max_seq_len, or batch_size / eval.batch_size",
  // batch_size already 1 and the 277.4 GiB of activations unnamed
  const M7 = {
    model_type: 'mistral', vocab_size: 32000, hidden_size: 4096, intermediate_size: 14336, num_hidden_layers: 32, num_attention_heads: 32,
    num_key_value_heads: 8, head_dim: 128, max_position_embeddings: 32768, sliding_window: null,
  };
  setQuiet(true);
  try {
    const base = { model: { config: M7, init: 'random' }, data: { train: path.join(dir, 'train.jsonl') }, batch_size: 1, packing: true, max_seq_len: 32768, eval: { samples: 0 }, output_dir: path.join(dir, 'run') };
    const cfg = validate({ ...base, device: 'cpu' }, 'test');
    const r = dryRun(cfg);
    const GiB = 2 ** 30;
    const limit = 'sequences of 32,768 tokens need 17.1 GiB of attention workspace on the CPU, more than its 4.0 GiB: lower max_seq_len, ' +
      'or train on a GPU (device: cuda, whose attention needs no (T, T) workspace)';
    assert.equal(r.limit, limit);
    // the memory past what is there too: its largest part, and no batch_size at batch 1
    assert.equal(dryRunRefusal({ ...r, available: 100 * GiB }, cfg), `the run does not fit: ${limit}; and its memory plan totals 321.9 GiB (322.1 GiB with Node.js itself), more than the 100.0 GiB available: ` +
      'the activations take 277.4 GiB of the 321.9 GiB: try a lower max_seq_len, or activation_checkpointing: true, or precision: bf16 (halves the frozen weights and the activations), or a device with more memory');
    assert.match(describeDryRun({ ...r, available: 100 * GiB }, cfg), /→ does NOT fit: sequences of 32,768 .*; and its memory plan totals 321\.9 GiB \(322\.1 GiB with Node\.js itself\), .*the activations take 277\.4 GiB/);
    assert.equal(dryRunRefusal({ ...r, available: 400 * GiB }, cfg), `the run does not fit: ${limit}`, 'the RAM holds the plan: the limit alone');
    // batch 2 over 6 examples: a lower batch_size is a lever again
    const two = validate({ ...base, device: 'cpu', batch_size: 2, packing: false, max_seq_len: 32768 }, 'test');
    const long = Array.from({ length: 6 }, () => ({ inputIds: Array.from({ length: 32768 }, () => 5), labels: null }));
    assert.match(cpuSequenceRefusal(two, parseConfig(M7), [long]) ?? '', /: lower max_seq_len \(examples are truncated to it\), or batch_size, or train on a GPU/);
    // on a GPU: refused at max_seq_len (batch_size was named at batch 1), the activations named as what dominates
    const gpu = validate({ ...base, device: 'cuda' }, 'test');
    // on an H200 (sm_90a, 227 KiB of shared memory a block) the flash kernels take every call: their workspace alone
    const h200 = { arch: 'sm_90a', sharedPerBlock: 232448 };
    assert.throws(() => checkSequenceFits(gpu, parseConfig(M7), [long.slice(0, 1)], { backend: 'cuda', deviceBytes: 141 * GiB, gpu: h200 }),
      (e: Error) => /^max_seq_len: the run needs 154\.0 GiB on the GPU .*: the activations take 138\.8 GiB of the 153\.4 GiB: try a lower max_seq_len, or activation_checkpointing: true, or a device with more memory$/.test(e.message) || assert.fail(e.message));
    // where the flash backward does not fit a block's shared memory (sm_89: 99 KiB) its calls go through cuBLASLt, whose
    // score matrices at 32k tokens are counted (40 GiB more); so where the GPU is unknown
    for (const other of [{ arch: 'sm_89', sharedPerBlock: 101376 }, null]) {
      assert.throws(() => checkSequenceFits(gpu, parseConfig(M7), [long.slice(0, 1)], { backend: 'cuda', deviceBytes: 141 * GiB, gpu: other }),
        (e: Error) => /^max_seq_len: the run needs 194\.0 GiB on the GPU /.test(e.message) || assert.fail(e.message));
    }
  } finally {
    setQuiet(false);
  }
});
