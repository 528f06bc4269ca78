// What one LoRA training step of the bench:gpu shape enqueues on CUDA, and the host's own time to enqueue it —
// without a GPU: the CUDA backend on the recording stand-ins of the tests (test/backend/cuda/fake-cuda.ts: no
// device memory, nothing computed, every event 1 µs), profiled (MISTRAL_TUNE_CUDA_PROFILE's table: its "calls"
// column is the count of each operation class in one step), with the allocator's peak. The host time is the
// TypeScript of the model, the trainer's update and the backend, without the FFI calls a GPU run adds.
// Usage: node --import tsx bench/gpu-host.ts [--case 1x2048:flash-attn] [--layers 32] [--steps 5]
import { parseArgs } from 'node:util';
import { collate } from '../src/data/batch.ts';
import { causalLmBackwardInto } from '../src/model/backward.ts';
import { parseConfig } from '../src/model/config.ts';
import { createAdapter } from '../src/model/peft.ts';
import { initRandomModel } from '../src/model/random-init.ts';
import { PROJECTIONS } from '../src/model/weights.ts';
import { AdamW } from '../src/train/optimizer.ts';
import { Rng } from '../src/util/rng.ts';
import { fakeBackend } from '../test/backend/cuda/fake-cuda.ts';
import { LORA_RANK, MISTRAL_7B_V01, parseCase } from './gpu-plan.ts';

const { values: a } = parseArgs({ options: { case: { type: 'string', default: '1x2048:flash-attn' }, layers: { type: 'string', default: '32' }, steps: { type: 'string', default: '5' } } });
const c = parseCase(a.case!);
const { be } = fakeBackend({ attention: c.attention ?? 'kernel', profile: true });
const cfg = parseConfig({ ...MISTRAL_7B_V01, num_hidden_layers: Number(a.layers) }, 'Mistral-7B-v0.1 config');
const model = initRandomModel(be, cfg, { seed: 1, std: 0.02, dtype: 'bf16' });
createAdapter(model, { r: LORA_RANK, alpha: 2 * LORA_RANK, dropout: 0, targets: [...PROJECTIONS], useRslora: false }, new Rng(1), true);
const optimizer = new AdamW(be, model.trainableParams(), { lr: 1e-4, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.01 });
model.setActivationCheckpointing(c.ckpt);
const rng = new Rng(2);
const batch = collate(Array.from({ length: c.B }, () => ({ inputIds: Array.from({ length: c.T }, () => rng.below(32000)) })), 0, null);
const lossSum = be.alloc('f32', 1);
const profiler = be.profiler!;
const times: number[] = [];
for (let s = 0; s < Number(a.steps); s++) {
  profiler.reset(); // the table is the last step's
  const t0 = performance.now();
  causalLmBackwardInto(model, batch, 1 / batch.targetCount, lossSum);
  optimizer.update(1e-4);
  times.push(performance.now() - t0);
}
const sorted = [...times].sort((x, y) => x - y);
console.log(`# ${a.case}, ${a.layers} layers, LoRA r=${LORA_RANK} on all 7 projections: host time a step (TypeScript, no FFI) ` +
  `median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} ms over ${times.length} (${times.map((t) => t.toFixed(1)).join(', ')}); ` +
  `allocator peak ${(be.peakBytesInUse() / 2 ** 30).toFixed(2)} GiB`);
console.log(profiler.report('the recording stand-in (each operation 1 µs: read the calls)', 60));
