// The CUDA memory plan's GEMM staging against what CudaBackend.gemm really stages: the tiny model's LoRA
// projections (forward and backward, model/linear.ts, with the factors' bf16 working copies that training
// attaches) and the LM head's backward GEMM (bf16 dlogits) run on the recording backend in bf16, the bytes
// each call allocates are measured, and the largest equals planMemory's `staging` (so a change of either
// the widening rule or the model's GEMMs shows here). No GPU.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DeviceBuffer } from '../../../src/backend/backend.ts';
import { DTYPE_BYTES, modelDTypes, type DType } from '../../../src/backend/dtype.ts';
import { LOGIT_ROWS } from '../../../src/model/activations.ts';
import { loadConfig } from '../../../src/model/config.ts';
import { Linear } from '../../../src/model/linear.ts';
import { PROJECTIONS, projectionShape } from '../../../src/model/weights.ts';
import { validate } from '../../../src/train/config.ts';
import { cudaGemmStaging, planMemory } from '../../../src/train/memory-plan.ts';
import { TINY_BASE } from '../../helpers.ts';
import { fakeBackend } from './fake-cuda.ts';

test('planned GEMM staging = the most bytes one GEMM stages, over the LoRA projections and the LM head (bf16 on CUDA)', () => {
  const model = loadConfig(TINY_BASE);
  const r = 4, B = 2, T = 300, N = B * T; // N > LOGIT_ROWS: the logits chunk is LOGIT_ROWS rows
  const cfg = validate({ model: TINY_BASE, data: { train: 'x.jsonl' }, lora: { r, alpha: 8, target_modules: [...PROJECTIONS] }, precision: 'bf16' }, 'test');
  const { be } = fakeBackend();
  let during = 0, most = 0;
  const alloc = be.alloc.bind(be);
  be.alloc = (dtype: DType, length: number): DeviceBuffer => { during += length * DTYPE_BYTES[dtype]; return alloc(dtype, length); };
  const gemm = be.gemm.bind(be);
  be.gemm = (...a: Parameters<typeof be.gemm>): void => { during = 0; gemm(...a); most = Math.max(most, during); };

  const st = (n: number): DeviceBuffer => alloc('bf16', n), ex = (n: number): DeviceBuffer => alloc('f32', n);
  for (const p of PROJECTIONS) {
    const [out, inn] = projectionShape(model, p);
    const lin = new Linear(be, st(out * inn), out, inn);
    // as training attaches them (Param.workingCopy): bf16 working copies of the f32 factors
    const pair = { A: ex(r * inn), B: ex(out * r), dA: ex(r * inn), dB: ex(out * r), Acopy: st(r * inn), Bcopy: st(out * r), dora: null };
    lin.lora = { pair, r, scaling: 2, dropout: 0, slot: { col: 0, width: r } };
    const x = st(N * inn), y = st(N * out), z = st(N * r);
    lin.forward(y, x, N, null, z, null, 1);
    lin.backward(st(N * inn), st(N * out), x, N, false, z, st(N * r), null, 1);
  }
  const C = model.hiddenSize, V = model.vocabSize, rows = Math.min(N, LOGIT_ROWS);
  be.gemm(be.view(st(N * C), 0, rows * C), st(rows * V), st(V * C), { m: rows, n: C, k: V }); // model/backward.ts: dln = dlogits·head
  assert.equal(most, 0, 'training in bf16: no product stages');

  const planned = cudaGemmStaging(cfg, model, N, modelDTypes('bf16'));
  assert.equal(planned, most);
  const plan = planMemory(cfg, model, { B, T }, 'cuda');
  assert.equal(plan.staging, 0);
  // without the working copies (a model that only evaluates an adapter) each product widens its activation
  const [out, inn] = projectionShape(model, 'down_proj');
  const lin = new Linear(be, st(out * inn), out, inn);
  lin.lora = { pair: { A: ex(r * inn), B: ex(out * r), dA: null, dB: null, dora: null }, r, scaling: 2, dropout: 0, slot: { col: 0, width: r } };
  lin.forward(st(N * out), st(N * inn), N, null, st(N * r), null, 1);
  assert.equal(most, 4 * (N * inn + N * r), 'z = x·Aᵀ with f32 A: x and z widened');
  assert.equal(plan.total, plan.weights + plan.trainable + plan.activations + plan.workspace + plan.staging);
  assert.equal(planMemory({ ...cfg, precision: 'fp32' }, model, { B, T }, 'cuda').staging, 0, 'fp32: nothing is mixed');
  assert.equal(planMemory(cfg, model, { B, T }, 'cpu').staging, 0);
});

test('the 7B shape in bf16: no product stages — the LM head\'s (dlogits in bf16) nor LoRA\'s (bf16 working copies of the factors)', () => {
  const model = { ...loadConfig(TINY_BASE), hiddenSize: 4096, intermediateSize: 14336, numHeads: 32, numKvHeads: 8, headDim: 128, vocabSize: 32000 };
  const cfg = validate({ model: TINY_BASE, data: { train: 'x.jsonl' }, lora: { r: 16, alpha: 32, target_modules: [...PROJECTIONS] }, precision: 'bf16' }, 'test');
  for (const k of [1, 4, 8]) assert.equal(cudaGemmStaging(cfg, model, k * 2048, modelDTypes('bf16')), 0);
  const full = validate({ model: TINY_BASE, data: { train: 'x.jsonl' }, method: 'full', precision: 'bf16' }, 'test');
  assert.equal(cudaGemmStaging(full, model, 2048, modelDTypes('bf16')), 0);
});
