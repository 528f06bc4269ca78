// Taking a model's trainable tensors into the optimizer's flat buffers (flat-params.ts) never holds more memory than
// it ends with: each old set (the weights, then the gradients) is freed before the next flat buffer is allocated, so
// a full fine-tuning run peaks at the planned 4 × its parameters in f32, not 6 × (the model's own weights and gradients
// beside all four flat buffers). On the CPU the freed blocks are reused by the next flat buffer (first fit in the
// kernels' memory, which never shrinks), so the process's memory follows the plan too.
import assert from 'node:assert/strict';
import type { Backend } from '../../src/backend/backend.ts';
import { test, TEST_DEVICE, TEST_DTYPE, testBackend } from '../backend/device.ts';
import { parseConfig } from '../../src/model/config.ts';
import { createRandomModel } from '../../src/model/init.ts';
import { createAdapter } from '../../src/model/peft.ts';
import { AdamW } from '../../src/train/optimizer.ts';
import { Rng } from '../../src/util/rng.ts';
import { CpuBuffer } from '../../src/backend/cpu/buffer.ts';
import type { DeviceBuffer } from '../../src/backend/backend.ts';

const cfg = parseConfig({
  model_type: 'mistral', vocab_size: 512, hidden_size: 64, intermediate_size: 96, num_hidden_layers: 2,
  num_attention_heads: 4, num_key_value_heads: 2, head_dim: 16, tie_word_embeddings: false,
});
const hyper = { lr: 1e-3, betas: [0.9, 0.999] as [number, number], eps: 1e-8, weightDecay: 0.1 };

/** [start, end) in the CPU kernels' memory (a SharedArrayBuffer), or null for a buffer elsewhere. */
function arenaRange(b: DeviceBuffer): [number, number] | null {
  if (!(b instanceof CpuBuffer) || !(b.data.buffer instanceof SharedArrayBuffer)) return null;
  return [b.data.byteOffset, b.data.byteOffset + b.data.byteLength];
}

// first in the file: no freed blocks of another test's models in the kernels' memory yet. hidden_size 256: norm weights
// below the old 1,024-element threshold of the kernels' memory; 64: below the 256 that followed it (a toy model's norms
// stayed on the JS heap, and each flat buffer but the first grew the memory by the few KiB the freed blocks fell short)
for (const hidden of [256, 64]) {
  test(`cpu: the flat buffers of a full fine-tuning reuse the blocks of the weights and gradients they replace (hidden_size ${hidden})`, { skip: TEST_DEVICE !== 'cpu' && 'where the CPU backend places buffers in its kernels\' memory: a CPU matter' }, () => {
    const wide = parseConfig({
      model_type: 'mistral', vocab_size: 256, hidden_size: hidden, intermediate_size: 256, num_hidden_layers: 2,
      num_attention_heads: 4, num_key_value_heads: 2, head_dim: hidden / 4, tie_word_embeddings: false,
    });
    const backend = testBackend();
    const model = createRandomModel(backend, wide, { seed: 2 });
    model.enableBaseGrads();
    const params = model.trainableParams();
    const old = params.flatMap((p) => [arenaRange(p.value), arenaRange(p.grad)]).filter((r) => r !== null);
    assert.equal(old.length, 2 * params.length, 'every weight and gradient in the kernels\' memory');
    const start = Math.min(...old.map((r) => r[0]));
    const optimizer = new AdamW(backend, params, hyper);
    const f = optimizer.flat, flatBytes = 4 * f.length;
    const end = Math.max(...[f.values, f.grads, f.m, f.v].map((b) => arenaRange(b)![1]));
    // the four flat buffers in the space of the two old sets and one more: 4 × the parameters, not 5 (or 6)
    assert.ok(end - start <= 4 * flatBytes + 4 * 64, `the flat buffers end ${end - start} bytes past the model's first weight, for 4 × ${flatBytes}`);
  });
}

/** The most bytes `backend` holds at once while `fn` runs (bytesInUse after every allocation). */
function peakDuring(backend: Backend, fn: () => void): number {
  const alloc = backend.alloc.bind(backend);
  let peak = backend.bytesInUse();
  backend.alloc = (dtype, length) => {
    const b = alloc(dtype, length);
    peak = Math.max(peak, backend.bytesInUse());
    return b;
  };
  try {
    fn();
  } finally {
    backend.alloc = alloc;
  }
  return peak;
}

for (const method of ['full', 'lora'] as const) {
  test(`${method}: building the flat buffers holds no more bytes at any moment than when they are built`, () => {
    const backend = testBackend();
    const model = createRandomModel(backend, cfg, { seed: 2 }, TEST_DTYPE);
    if (method === 'full') model.enableBaseGrads();
    else createAdapter(model, { r: 4, alpha: 8, dropout: 0, targets: ['q_proj', 'v_proj', 'down_proj'], useRslora: false }, new Rng(3), true);
    const params = model.trainableParams();
    const n = params.reduce((s, p) => s + p.value.length, 0);
    let optimizer: AdamW | null = null;
    const peak = peakDuring(backend, () => { optimizer = new AdamW(backend, params, hyper); });
    const after = backend.bytesInUse();
    assert.equal(optimizer!.flat.length, n);
    // before the fix: the model's weights and gradients (2 × 4n bytes in f32) beside the four flat buffers
    assert.ok(peak <= after, `peak ${peak} bytes while building, ${after} after (${peak - after} more; 4 × ${n} f32 values = ${16 * n})`);
  });
}
