// MISTRAL_TUNE_CUDA_PROFILE: the profiler's bookkeeping (events paired, read back in batches and reused, classes
// ordered by time, the table), and the CUDA backend timing every launch, GEMM and copy of a tiny model's training
// step under it (the recording stand-in driver: each event one microsecond after the last), reported on close.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cudaProfileFromEnv, OpProfiler } from '../../../src/backend/cuda/op-profiler.ts';
import { collate } from '../../../src/data/batch.ts';
import { causalLmBackwardInto } from '../../../src/model/backward.ts';
import { parseConfig } from '../../../src/model/config.ts';
import { createAdapter } from '../../../src/model/peft.ts';
import { initRandomModel } from '../../../src/model/random-init.ts';
import { PROJECTIONS } from '../../../src/model/weights.ts';
import { AdamW } from '../../../src/train/optimizer.ts';
import { Rng } from '../../../src/util/rng.ts';
import { fakeBackend, fakeEvents } from './fake-cuda.ts';

test('the profiler sums each class\'s event-pair times, reads them back in batches of 4096 and reuses the events', () => {
  let now = 0;
  const ev = fakeEvents(() => now);
  const p = new OpProfiler(ev, 7n);
  for (let i = 0; i < 5000; i++) {
    const label = i % 10 === 0 ? 'gemm 2048×4096×4096 Bᵀ bf16→bf16' : 'rmsnorm_forward';
    p.around(label, () => { now += i % 10 === 0 ? 2 : 0.5; });
  }
  assert.equal(ev.syncs, 1, 'one read-back at 4096 operations');
  assert.equal(ev.created, 8192, 'the first batch\'s events are reused by the rest');
  const classes = p.classesByTime();
  assert.equal(ev.syncs, 2);
  assert.deepEqual(classes.map((c) => [c.label, c.calls, c.ms]), [['rmsnorm_forward', 4500, 2250], ['gemm 2048×4096×4096 Bᵀ bf16→bf16', 500, 1000]]);
  const table = p.report('Fake H200', 1).split('\n');
  assert.match(table[0]!, /5000 operations in 2 classes, 3250\.0 ms in all/);
  assert.match(table[2]!, /^# +2250\.0 +69\.2% +4500 +500\.0  rmsnorm_forward$/);
  assert.match(table[3]!, /^# +1000\.0 +30\.8% +500 +2000\.0  1 other classes$/);
  p.destroy();
  assert.equal(ev.destroyed, 8192);
});

test('MISTRAL_TUNE_CUDA_PROFILE takes 1 or 0; anything else names the variable', () => {
  assert.equal(cudaProfileFromEnv({}), false);
  assert.equal(cudaProfileFromEnv({ MISTRAL_TUNE_CUDA_PROFILE: '1' }), true);
  assert.equal(cudaProfileFromEnv({ MISTRAL_TUNE_CUDA_PROFILE: '0' }), false);
  assert.throws(() => cudaProfileFromEnv({ MISTRAL_TUNE_CUDA_PROFILE: 'yes' }), /MISTRAL_TUNE_CUDA_PROFILE=yes: expected 1/);
});

test('a CUDA backend with profiling on times every launch, GEMM and copy of a LoRA training step and reports them on close', () => {
  const { be, launches, gemms, events, copies } = fakeBackend({ profile: true, attention: 'kernel' });
  const cfg = parseConfig({
    model_type: 'mistral', vocab_size: 64, hidden_size: 32, intermediate_size: 48, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2,
    rms_norm_eps: 1e-5, rope_theta: 10000, max_position_embeddings: 64,
  }, 'tiny config');
  const model = initRandomModel(be, cfg, { seed: 1, std: 0.02, dtype: 'bf16' });
  createAdapter(model, { r: 4, alpha: 8, dropout: 0, targets: [...PROJECTIONS], useRslora: false }, new Rng(1), true);
  new AdamW(be, model.trainableParams(), { lr: 1e-4, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0 }); // the factors' bf16 working copies
  const before = { launches: launches.length, gemms: gemms.length };
  const batch = collate([{ inputIds: [1, 5, 9, 13, 17, 21] }, { inputIds: [2, 6, 10, 14] }], 0, null);
  causalLmBackwardInto(model, batch, 1 / batch.targetCount, be.alloc('f32', 1));
  const stepLaunches = launches.slice(before.launches), stepGemms = gemms.length - before.gemms;
  let written = '';
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string) => { written += chunk; return true; }) as typeof process.stderr.write;
  try {
    be.close();
  } finally {
    process.stderr.write = write;
  }
  const rows = new Map(written.trim().split('\n').slice(2).map((l) => {
    const m = /^# +([\d.]+) +[\d.]+% +(\d+) +[\d.]+  (.+)$/.exec(l);
    assert.ok(m, `a table row: ${l}`);
    return [m[3]!, Number(m[2])];
  }));
  const ops = Number(/^# CUDA profile \(MISTRAL_TUNE_CUDA_PROFILE=1\) on fake: GPU time of (\d+) operations/.exec(written)?.[1]);
  assert.equal(ops, launches.length + gemms.length + copies.length, 'every launch, GEMM and copy of the backend\'s life timed');
  const count = (name: string): number => stepLaunches.filter((l) => l.name === name).length;
  assert.equal(rows.get('rmsnorm_forward'), count('rmsnorm_forward') + (launches.slice(0, before.launches).filter((l) => l.name === 'rmsnorm_forward').length));
  assert.ok((rows.get('attention_forward') ?? 0) >= 2, 'one attention forward a layer');
  assert.ok(stepGemms > 0 && copies.length > 0);
  assert.ok(rows.has('gemm 12×4×32 Bᵀ bf16→bf16'), `the LoRA products z = x·Aᵀ (10 tokens + 2 padding, r 4, hidden 32) among ${[...rows.keys()].join(' | ')}`);
  assert.ok(rows.has('memcpy DtoD'), 'the residual copies');
  assert.ok(events.includes('event sync') && events.filter((e) => e === 'event').length > 0, 'events read back, then destroyed');
});
