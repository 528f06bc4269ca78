// What one LoRA (or DoRA: a case ending :dora) training step of the bench:gpu shape enqueues on CUDA, and the host's own time to enqueue it —
// without a GPU: the CUDA backend on the recording stand-ins of the tests (test/backend/cuda/bench-shape.ts: no
// device memory, nothing computed, every event 1 µs), profiled (MISTRAL_TUNE_CUDA_PROFILE's table: its "calls"
// column is the count of each operation class in one step), with the allocator's peak. The host time is the
// TypeScript of the model, the trainer's update and the backend, without the FFI calls a GPU run adds.
// Usage: node --import tsx bench/gpu-host.ts [--case 1x2048] [--layers 32] [--steps 5]
import { parseArgs } from 'node:util';
import { benchShapedModel } from '../test/backend/cuda/bench-shape.ts';
import { LORA_RANK, parseCase } from './gpu-plan.ts';

const { values: a } = parseArgs({ options: { case: { type: 'string', default: '1x2048' }, layers: { type: 'string', default: '32' }, steps: { type: 'string', default: '5' } } });
const c = parseCase(a.case!);
const { be, step } = benchShapedModel({ attention: c.attention, profile: true, layers: Number(a.layers), dora: c.dora ?? false });
const profiler = be.profiler!;
const times: number[] = [];
for (let s = 0; s < Number(a.steps); s++) {
  profiler.reset(); // the table is the last step's
  const t0 = performance.now();
  step(c.B, c.T, c.ckpt);
  times.push(performance.now() - t0);
}
const sorted = [...times].sort((x, y) => x - y);
console.log(`# ${a.case}, ${a.layers} layers, ${c.dora ? 'DoRA' : 'LoRA'} r=${LORA_RANK} on all 7 projections: host time a step (TypeScript, no FFI) ` +
  `median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} ms over ${times.length} (${times.map((t) => t.toFixed(1)).join(', ')}); ` +
  `allocator peak ${(be.peakBytesInUse() / 2 ** 30).toFixed(2)} GiB`);
console.log(profiler.report('the recording stand-in (each operation 1 µs: read the calls)', 60));
