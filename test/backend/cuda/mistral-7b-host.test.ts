// The Mistral-7B shape of bench:gpu (vocab 32000, 32 layers, GQA 32/8, 14336 intermediate, LoRA r = 16 on all
// 7 projections, bf16) through a training forward + backward and an AdamW update on the recording CUDA backend
// (no device memory is touched): every launch's integer arguments fit their C types at 1×2048 and 4×2048 with
// activation checkpointing (no int32 overflow, no grid past its limit), every GEMM resolves, every staging rule
// holds. What would be a RangeError or a CUDA launch error on the GPU fails here in seconds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GEMM_WORKSPACE_BYTES } from '../../../src/backend/cuda/cuda-backend.ts';
import { MAX_ELEMENTWISE_BLOCKS } from '../../../src/backend/cuda/launch.ts';
import { validate } from '../../../src/train/config.ts';
import { planMemory } from '../../../src/train/memory-plan.ts';
import { benchTrainConfig } from '../../../bench/gpu-plan.ts';
import { benchShapedModel } from './bench-shape.ts';

test('a Mistral-7B-shaped LoRA step (1×2048, then 4×2048 with checkpointing) launches only in-range arguments (the default flash path, and the attention kernels)', () => {
  for (const attention of [undefined, 'kernel'] as const) {
    const { launches, gemms, step } = benchShapedModel({ dropout: 0.05, attention });
    for (const [B, checkpoint] of [[1, false], [4, true]] as const) {
      const before = launches.length;
      step(B, 2048, checkpoint);
      assert.ok(launches.length - before > 32 * 20, `${launches.length - before} launches for B = ${B}`);
    }
    assert.ok(gemms.length > 0);
    if (attention === 'kernel') {
      const att = launches.filter((l) => l.name.startsWith('attention'));
      assert.ok(att.length >= 3 * 32 && att.every((l) => l.shared <= 48 * 1024));
    } else { // flash by default: forward and backward at head dim 128, nothing through the other paths
      const names = launches.map((l) => l.name);
      assert.ok(names.filter((n) => n === 'flash_attention_forward_d128').length >= 32 && names.filter((n) => n === 'flash_attention_backward_d128').length >= 32);
      assert.ok(!names.some((n) => n.startsWith('attention_') || n === 'attn_softmax'), 'no other attention path');
    }
  }
});

/** Mistral Nemo 12B's shape (2 of its 40 layers: each layer launches the same shapes) */
const NEMO = { vocab_size: 131072, hidden_size: 5120, head_dim: 128, max_position_embeddings: 131072, sliding_window: null };

test('Nemo-shaped steps at 8×8192 (65536 tokens: more rows than a grid\'s y or z takes; 8.6e9 logits, in chunks) launch only in-range arguments and grids on every attention path, with DoRA, full fine-tuning, other head dims and a vocabulary of no tile\'s multiple', () => {
  const cases: Array<{ attention?: 'kernel' | 'gemm' | 'flash'; config?: Record<string, unknown>; dora?: boolean; full?: boolean }> = [
    { attention: 'flash' }, { attention: 'kernel' }, { attention: 'gemm' }, { dora: true }, { full: true },
    { config: { head_dim: 64 } }, { config: { head_dim: 96 } }, { attention: 'kernel', config: { head_dim: 256 } }, { config: { vocab_size: 32768 + 1 } },
  ];
  for (const c of cases) {
    const { launches, step } = benchShapedModel({ ...c, config: { ...NEMO, ...c.config }, layers: 2, dropout: 0.05 });
    step(8, 8192, true); // the fake driver packs every launch's arguments and checks its grid, block and shared memory
    const names = new Set(launches.map((l) => l.name));
    assert.ok(names.has('cross_entropy') && names.has('adamw') && launches.length > 100, `${JSON.stringify(c)}: ${[...names].join(' ')}`);
  }
});

test('a 7B-shaped classification LoRA step (3 classes, 1×2048, flash): the plan, with no LM logits chunk, bounds the allocator\'s peak within 1%', () => {
  const { be, cfg, step } = benchShapedModel({ attention: 'flash', classes: 3 });
  step(1, 2048, false);
  const train = validate({ ...benchTrainConfig({ B: 1, T: 2048, ckpt: false, dora: false }, { layers: 32, steps: 1, warmup: 0, data: 'unused.jsonl', outputDir: 'unused', device: 'cuda' }),
    task: 'classification', labels: ['a', 'b', 'c'] }, 'bench case');
  const plan = planMemory(train, cfg, { B: 1, T: 2048 }, 'cuda', 'flash');
  const planned = plan.total + GEMM_WORKSPACE_BYTES, peak = be.peakBytesInUse();
  const what = `classification 1×2048: planned ${(planned / 2 ** 30).toFixed(3)} GiB, peak ${(peak / 2 ** 30).toFixed(3)} GiB (${peak - planned} bytes more)`;
  console.log(what);
  assert.equal(plan.logitsChunk, 0);
  // as the LM cases below: the plan leaves out the reductions' per-block partial sums and a few scalars
  assert.ok(peak <= planned + 8 * MAX_ELEMENTWISE_BLOCKS + 4096 && planned <= 1.01 * peak, what);
});

test('the memory plan plus cuBLASLt\'s workspace bounds the allocator\'s peak over a 7B-shaped LoRA step within 1% (1×2048, 4×2048 with checkpointing; the attention kernels and flash; DoRA on flash)', () => {
  const cases = [...(['kernel', 'flash'] as const).map((attention) => ({ attention, dora: false })), { attention: 'flash' as const, dora: true }];
  for (const { attention, dora } of cases) {
    for (const [B, ckpt] of [[1, false], [4, true]] as const) {
      const { be, cfg, step } = benchShapedModel({ attention, dora });
      step(B, 2048, ckpt);
      const train = validate(benchTrainConfig({ B, T: 2048, ckpt, dora }, { layers: 32, steps: 1, warmup: 0, data: 'unused.jsonl', outputDir: 'unused', device: 'cuda' }), 'bench case');
      const planned = planMemory(train, cfg, { B, T: 2048 }, 'cuda', attention).total + GEMM_WORKSPACE_BYTES;
      const peak = be.peakBytesInUse();
      const what = `${attention}${dora ? ' DoRA' : ''}, ${B}×2048${ckpt ? ' with checkpointing' : ''}: planned ${(planned / 2 ** 30).toFixed(3)} GiB, peak ${(peak / 2 ** 30).toFixed(3)} GiB (${peak - planned} bytes more)`;
      // the plan leaves out only what the backend holds from its start, the reductions' per-block partial sums
      // (8 · MAX_ELEMENTWISE_BLOCKS = 33 KiB), and a few scalars (the step's loss and Σg², the clip coefficient,
      // the decay spans: tens of bytes)
      assert.ok(peak <= planned + 8 * MAX_ELEMENTWISE_BLOCKS + 4096 && planned <= 1.01 * peak, what);
    }
  }
});
