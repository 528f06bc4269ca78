// checkSequenceFits on CUDA: the CPU's 4 GiB WebAssembly attention limit does not apply (the CUDA attention
// keeps no (T, T) scores); the whole memory plan must fit the GPU's memory instead, with advice naming
// max_seq_len and activation checkpointing (batch_size is 1 already: fitAdvice); lora.r within the GPU's memory
// (checkLoraRank). No GPU: the device's memory is given.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../../src/model/config.ts';
import { validate } from '../../../src/train/config.ts';
import { CUDA_RESERVE_BYTES } from '../../../src/backend/capacity.ts';
import { checkLoraRank, checkSequenceFits } from '../../../src/train/fit-check.ts';
import { planMemory, runBatchShape } from '../../../src/train/memory-plan.ts';
import { TINY_BASE } from '../../helpers.ts';

test('a sequence too long for the CPU attention workspace trains on CUDA when the plan fits the GPU, and is refused when it does not', () => {
  const model = loadConfig(TINY_BASE);
  const T = 40000;
  const cfg = validate({ model: TINY_BASE, data: { train: 'x.jsonl' }, lora: { r: 4, alpha: 8 }, precision: 'bf16', batch_size: 1 }, 'test');
  const rows = [[{ inputIds: new Array<number>(T).fill(1) }]];
  assert.throws(() => checkSequenceFits(cfg, model, rows), /attention workspace on the CPU/);
  assert.throws(() => checkSequenceFits(cfg, model, rows, { backend: 'cpu' }), /attention workspace on the CPU/);
  const plan = planMemory(cfg, model, runBatchShape(cfg, rows[0]!, []), 'cuda');
  assert.doesNotThrow(() => checkSequenceFits(cfg, model, rows, { backend: 'cuda', deviceBytes: 141e9 }));
  assert.doesNotThrow(() => checkSequenceFits(cfg, model, rows, { backend: 'cuda', deviceBytes: plan.total + CUDA_RESERVE_BYTES }));
  assert.doesNotThrow(() => checkSequenceFits(cfg, model, rows, { backend: 'cuda', deviceBytes: null }), 'unknown memory: the allocator reports');
  assert.throws(() => checkSequenceFits(cfg, model, rows, { backend: 'cuda', deviceBytes: plan.total + CUDA_RESERVE_BYTES - 1 }),
    (e: Error) => e.name === 'UserError' && /needs .* GiB on the GPU .*0\.5 GiB for the CUDA context.*more than its .*: try a lower max_seq_len, or activation_checkpointing: true/.test(e.message));
});

test("lora.r is bounded by the GPU's memory: the largest rank it names fits, one more is refused naming lora.r; an unknown GPU is not judged", () => {
  const model = loadConfig(TINY_BASE);
  const cfg = (r: number) => validate({ model: TINY_BASE, data: { train: 'x.jsonl' }, lora: { r, alpha: 16 }, precision: 'bf16' }, 'test');
  const fixed = (r: number): number => {
    const p = planMemory(cfg(r), model, { B: 1, T: 1 }, 'cuda');
    return p.weights + p.trainable;
  };
  // a GPU whose usable memory holds the weights and the trainable state up to r 100,000 and a little past it
  const gpu = { backend: 'cuda' as const, deviceBytes: fixed(100_000) + (fixed(100_001) - fixed(100_000)) / 2 + CUDA_RESERVE_BYTES };
  assert.doesNotThrow(() => checkLoraRank(cfg(100_000), model, gpu));
  assert.throws(() => checkLoraRank(cfg(100_001), model, gpu), (e: Error) => e.name === 'UserError' &&
    /^lora\.r: 100001 makes the weights and the adapter's trainable state .* GiB, more than the GPU's memory \(less the CUDA context's\), .* GiB: lower lora\.r to at most 100,000$/.test(e.message));
  assert.doesNotThrow(() => checkLoraRank(cfg(1e9), model, { backend: 'cuda', deviceBytes: null }));
});
