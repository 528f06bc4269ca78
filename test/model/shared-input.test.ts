// The projections that read one input run their LoRA products together where the optimizer laid their
// factors A out together (model/shared-input.ts): the same loss and gradients as one projection at a time,
// in fewer GEMMs, on every backend; and Backend.join, which finds such factors, joins only what touches.
import assert from 'node:assert/strict';
import type { Backend } from '../../src/backend/backend.ts';
import { test, testBackend, TEST_DTYPE, tol } from '../backend/device.ts';
import { causalLmBackward } from '../../src/model/backward.ts';
import { parseConfig } from '../../src/model/config.ts';
import { createRandomModel } from '../../src/model/init.ts';
import { zeroGrads } from '../../src/model/params.ts';
import { createAdapter } from '../../src/model/peft.ts';
import type { Projection } from '../../src/model/weights.ts';
import { PROJECTIONS } from '../../src/model/weights.ts';
import { AdamW } from '../../src/train/optimizer.ts';
import { Rng } from '../../src/util/rng.ts';
import { relErr } from '../helpers.ts';

test('join: a view of two pieces of one allocation that touch, in order; null otherwise', () => {
  const be = testBackend();
  const buf = be.alloc('f32', 10);
  be.upload(buf, { dtype: 'f32', data: Float32Array.from({ length: 10 }, (_, i) => i) });
  const [a, b, c] = [be.view(buf, 0, 3), be.view(buf, 3, 4), be.view(buf, 8, 2)];
  const ab = be.join(a, b);
  assert.ok(ab);
  assert.deepEqual([...be.download(ab)], [0, 1, 2, 3, 4, 5, 6]);
  assert.equal(be.join(b, a), null, 'out of order');
  assert.equal(be.join(b, c), null, 'a gap');
  const joinedAll = be.join(be.join(ab, be.view(buf, 7, 1))!, c);
  assert.deepEqual([...be.download(joinedAll!)], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const other = be.alloc('bf16', 10);
  assert.equal(be.join(be.view(other, 0, 5), be.view(buf, 0, 5)), null, 'another dtype');
  assert.equal(be.join(be.view(buf, 5, 5), be.view(buf, 0, 5)), null);
  // two allocations, even where they lie end to end (the CUDA driver places small cuMemAllocs one after another)
  const [p, q] = [be.alloc('f32', 128), be.alloc('f32', 128)];
  assert.equal(be.join(p, q), null, 'two allocations');
  assert.equal(be.join(q, p), null, 'two allocations');
});

const cfg = parseConfig({
  model_type: 'mistral', vocab_size: 48, hidden_size: 32, intermediate_size: 40, num_hidden_layers: 2,
  num_attention_heads: 4, num_key_value_heads: 2, head_dim: 8, sliding_window: null, tie_word_embeddings: false, pad_token_id: 0,
});

/**
 * GEMMs one forward + backward saves in a layer adapting `adapted` by joining the products of q, k, v and of
 * gate, up: z, ∂A and ∂x, each one GEMM for the adapted projections of an input whose z slots (of the adapter's
 * targets) follow one another.
 */
function savedInLayer(targets: readonly Projection[], adapted: readonly Projection[]): number {
  const groups: Projection[][] = [['q_proj', 'k_proj', 'v_proj'], ['gate_proj', 'up_proj']];
  return groups.reduce((saved, g) => {
    const slots = g.filter((p) => targets.includes(p)), here = slots.filter((p) => adapted.includes(p));
    const consecutive = here.every((p, i) => slots.indexOf(p) === slots.indexOf(here[0]!) + i);
    return saved + (here.length > 1 && consecutive ? 3 * (here.length - 1) : 0);
  }, 0);
}

/** Adapter targets, and projections some layers leave out (as layers_to_transform or exclude_modules can). */
const CASES: Array<{ targets: readonly Projection[]; leftOut?: Array<[number, Projection]> }> = [
  { targets: PROJECTIONS },
  { targets: ['v_proj', 'q_proj', 'up_proj', 'down_proj', 'gate_proj'] },
  { targets: ['k_proj', 'o_proj'] },
  { targets: PROJECTIONS, leftOut: [[0, 'k_proj'], [1, 'q_proj'], [1, 'up_proj']] },
];

for (const { targets, leftOut = [] } of CASES) {
  const what = `LoRA on ${targets.join(', ')}${leftOut.length ? ` (not ${leftOut.map(([l, p]) => `layer ${l}'s ${p}`).join(', ')})` : ''}`;
  test(`${what}: the products of one input together give the loss and gradients of one projection at a time`, () => {
    const be = testBackend();
    const model = createRandomModel(be, cfg, { seed: 3, normStd: 0.1 }, TEST_DTYPE);
    createAdapter(model, { r: 4, alpha: 8, dropout: 0, targets, useRslora: false }, new Rng(6), true);
    for (const [l, p] of leftOut) delete model.lora!.layers[l]![p];
    model.setLora(model.lora);
    const params = model.trainableParams();
    // B starts at zero in PEFT's init: give it values so that every path carries a gradient
    for (const p of params) if (p.name.includes('lora_B')) be.upload(p.value, { dtype: 'f32', data: Float32Array.from({ length: p.value.length }, (_, i) => Math.sin(i + 1) * 0.05) });
    new AdamW(be, params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0 }); // lays the factors out in its flat buffers
    const batch = model.collate([{ inputIds: [1, 5, 9, 13, 2, 7, 11] }, { inputIds: [1, 30, 4, 17] }]);
    const run = (join: Backend['join'] | null): { loss: number; grads: Float32Array[]; gemms: number } => {
      const gemm = be.gemm.bind(be), ownJoin = be.join.bind(be);
      let gemms = 0;
      be.gemm = (...a) => { gemms++; gemm(...a); };
      if (join) be.join = join;
      try {
        zeroGrads(be, params);
        causalLmBackward(model, batch, 1 / batch.targetCount); // two micro-batches: the gradients accumulate
        const loss = causalLmBackward(model, batch, 1 / batch.targetCount);
        return { loss, grads: params.map((p) => be.download(p.grad) as Float32Array), gemms };
      } finally {
        be.gemm = gemm;
        be.join = ownJoin;
      }
    };
    const apart = run(() => null), together = run(null); // together second: its buffers hold the first run's values
    const saved = model.lora!.layers.reduce((n, layer) => n + savedInLayer(targets, PROJECTIONS.filter((p) => layer[p])), 0);
    assert.equal(apart.gemms - together.gemms, 2 * saved, 'GEMMs saved (two passes)');
    assert.ok(Math.abs(together.loss - apart.loss) <= 1e-6 * Math.abs(apart.loss) + (TEST_DTYPE === 'bf16' ? tol('loss') : 0));
    params.forEach((p, i) => {
      const err = relErr(together.grads[i]!, apart.grads[i]!);
      assert.ok(err <= (TEST_DTYPE === 'bf16' ? tol('grad') : 1e-5), `${p.name}: ${err}`);
    });
  });
}
